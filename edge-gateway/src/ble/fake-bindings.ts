import { EventEmitter } from "node:events";

export interface FakeAdvertisement {
  address: string;
  addressType?: "public" | "random";
  rssi: number;
  connectable?: boolean;
  localName?: string;
  manufacturerData?: Uint8Array;
  serviceData?: { uuid: string; data: Uint8Array }[];
  serviceUuids?: string[];
}

/**
 * A fake of noble's HCI bindings — the radio, not noble: noble itself runs unchanged on
 * top (`nobleWithBindings`), so tests exercise noble's own event path. It keeps the same
 * per-address tables the real HCI bindings and GAP layer keep (what must be evicted),
 * and can power the adapter off/on or go silent like a stalled Raspberry Pi scan.
 */
export class FakeNobleBindings extends EventEmitter {
  state: "poweredOn" | "poweredOff" | "unsupported" | "unauthorized";
  scanning = false;
  startCalls = 0;
  stopCalls = 0;
  // the real bindings' tables (lib/hci-socket/bindings.js, gap.js)
  _addresses: Record<string, unknown> = {};
  _addresseTypes: Record<string, unknown> = {};
  _connectable: Record<string, unknown> = {};
  scannable: Record<string, unknown> = {};
  _gap = { _discoveries: {} as Record<string, unknown> };

  constructor(initialState: FakeNobleBindings["state"] = "poweredOn") {
    super();
    this.state = initialState;
  }

  init(): void {
    process.nextTick(() => this.emit("stateChange", this.state));
  }
  setScanParameters(): void {
    process.nextTick(() => this.emit("scanParametersSet"));
  }
  startScanning(_serviceUuids: string[], allowDuplicates: boolean): void {
    this.startCalls++;
    if (this.state !== "poweredOn") return;
    this.scanning = true;
    this.allowDuplicates = allowDuplicates;
    this.emit("scanStart", !allowDuplicates);
  }
  allowDuplicates = false;
  stopScanning(): void {
    this.stopCalls++;
    this.scanning = false;
    this.emit("scanStop");
  }
  reset(): void {}

  /** The adapter reports one advertisement (dropped, like the air, when not scanning). */
  advertise(ad: FakeAdvertisement): boolean {
    if (!this.scanning) return false;
    const uuid = ad.address.split(":").join("");
    const advertisement = {
      localName: ad.localName,
      txPowerLevel: undefined,
      manufacturerData: ad.manufacturerData ? Buffer.from(ad.manufacturerData) : undefined,
      serviceData: (ad.serviceData ?? []).map((s) => ({ uuid: s.uuid, data: Buffer.from(s.data) })),
      serviceUuids: ad.serviceUuids ?? [],
      serviceSolicitationUuid: [],
    };
    this._addresses[uuid] = ad.address;
    this._addresseTypes[uuid] = ad.addressType ?? "random";
    this._connectable[uuid] = ad.connectable ?? false;
    this.scannable[uuid] = false;
    this._gap._discoveries[ad.address] = { address: ad.address, advertisement, rssi: ad.rssi, count: 1 };
    this.emit(
      "discover",
      uuid,
      ad.address,
      ad.addressType ?? "random",
      ad.connectable ?? false,
      advertisement,
      ad.rssi,
      false,
    );
    return true;
  }

  /** Adapter power cycle (rfkill, USB reset): noble sees poweredOff, then poweredOn. */
  powerOff(): void {
    this.state = "poweredOff";
    this.scanning = false;
    this.emit("stateChange", "poweredOff");
  }
  powerOn(): void {
    this.state = "poweredOn";
    this.emit("stateChange", "poweredOn");
  }

  /** How many addresses the bindings' own tables hold. */
  get addressesHeld(): number {
    return Object.keys(this._addresses).length + Object.keys(this._gap._discoveries).length;
  }
}
