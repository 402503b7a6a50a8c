import type { TraceRecord } from "@proxima/shared";

/**
 * The radio port: anything that hears BLE advertisements (a noble adapter, a recorded
 * trace, a simulated venue) and hands them over as Proxima trace records — never as a
 * library's own objects.
 */
export interface Scanner {
  /** Starts delivering advertisements; resolves once scanning runs (rejects with a ProximaError). */
  start(onAdvertisement: (ad: TraceRecord) => void): Promise<void>;
  /** Stops delivering; idempotent. */
  stop(): Promise<void>;
  /** Resolves when a finite source (a trace) has delivered everything; live sources never resolve. */
  readonly done?: Promise<void>;
}
