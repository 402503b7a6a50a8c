import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy between gateway and cloud that a fault test controls: it can refuse
 * connections (link down), cut the next request half-way (the cloud never sees it
 * whole) or swallow the next response after the cloud has processed the request (the
 * gateway never learns the answer), and it can point at a restarted cloud's new port
 * while the gateway keeps its URL.
 */
export class FaultProxy {
  private server: Server;
  private sockets = new Set<Socket>();
  private targetPort = 0;
  private refusing = false;
  private cutRequests = 0;
  private cutResponses = 0;
  port = 0;
  /** how many cuts actually happened */
  cuts = { requests: 0, responses: 0 };

  private constructor() {
    this.server = createServer({ noDelay: true }, (client) => this.onConnection(client));
  }

  static async start(targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy();
    proxy.targetPort = targetPort;
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setTarget(port: number): void {
    this.targetPort = port;
  }

  /** link down: every open connection is reset and new ones are closed at once */
  down(): void {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  up(): void {
    this.refusing = false;
  }

  cutNextRequests(n = 1): void {
    this.cutRequests += n;
  }

  cutNextResponses(n = 1): void {
    this.cutResponses += n;
  }

  private onConnection(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: "127.0.0.1", port: this.targetPort, noDelay: true });
    this.sockets.add(client);
    this.sockets.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      if (this.cutRequests > 0 && chunk.length > 1) {
        this.cutRequests--;
        this.cuts.requests++;
        upstream.write(chunk.subarray(0, Math.floor(chunk.length / 2)), cut);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (this.cutResponses > 0) {
        this.cutResponses--;
        this.cuts.responses++;
        cut();
        return;
      }
      client.write(chunk);
    });
    const forget = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on("close", () => {
      upstream.destroy();
      forget();
    });
    upstream.on("close", () => {
      client.destroy();
      forget();
    });
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
