import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { Connection } from "../outbox/sqlite.js";

/**
 * Broker state that must survive a gateway restart — retained messages (kiosk status,
 * zone occupancy), persistent sessions' subscriptions and their queued QoS 1/2 messages,
 * and last wills — kept in SQLite beside the in-memory aedes persistence it extends.
 *
 * Reads are served from memory (aedes-persistence's own tries and maps, the
 * well-tested part); every mutation is written through to SQLite before aedes is told
 * it is done. WAL with synchronous=NORMAL: survives a process crash; the outbox, not
 * the broker, holds what must also survive a power cut.
 */

// aedes-persistence ships CommonJS without an `exports` map; the in-memory class is the
// module's building block for other persistences (its own docs say to extend it).
const require = createRequire(import.meta.url);

interface StoredPacket {
  cmd?: string;
  topic: string;
  payload: Buffer;
  qos: number;
  retain?: boolean;
  dup?: boolean;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  clientId?: string;
}
interface ClientLike {
  id: string;
}
interface SubscriptionLike {
  topic: string;
  qos: number;
  rh?: number;
  rap?: number;
  nl?: number;
}
interface MemoryPersistenceLike {
  setup(broker: unknown): Promise<void>;
  storeRetained(packet: StoredPacket): Promise<void>;
  addSubscriptions(client: ClientLike, subs: SubscriptionLike[]): Promise<void>;
  removeSubscriptions(client: ClientLike, topics: string[]): Promise<void>;
  subscriptionsByClient(client: ClientLike): Promise<SubscriptionLike[]>;
  cleanSubscriptions(client: ClientLike): Promise<void>;
  outgoingEnqueue(sub: { clientId: string }, packet: StoredPacket): Promise<void>;
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: StoredPacket): Promise<void>;
  outgoingClearMessageId(client: ClientLike, packet: StoredPacket): Promise<StoredPacket | undefined>;
  outgoingStream(client: ClientLike): Readable;
  putWill(client: ClientLike, packet: StoredPacket): Promise<void>;
  delWill(client: ClientLike): Promise<StoredPacket | undefined>;
  destroy(): Promise<void>;
}
const MemoryPersistence = require("aedes-persistence/asyncPersistence.js") as new () => MemoryPersistenceLike;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, packet TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS subscriptions (
    client_id TEXT NOT NULL, topic TEXT NOT NULL, options TEXT NOT NULL,
    PRIMARY KEY (client_id, topic));
  CREATE TABLE IF NOT EXISTS outgoing (
    client_id TEXT NOT NULL, broker_id TEXT NOT NULL, broker_counter INTEGER NOT NULL, packet TEXT NOT NULL,
    PRIMARY KEY (client_id, broker_id, broker_counter));
  CREATE TABLE IF NOT EXISTS wills (client_id TEXT PRIMARY KEY, packet TEXT NOT NULL);
`;

function encode(packet: StoredPacket): string {
  return JSON.stringify({
    cmd: packet.cmd ?? "publish",
    topic: packet.topic,
    payload: Buffer.from(packet.payload).toString("base64"),
    qos: packet.qos,
    retain: packet.retain ?? false,
    brokerId: packet.brokerId,
    brokerCounter: packet.brokerCounter,
    clientId: packet.clientId,
  });
}

function decode(text: string): StoredPacket {
  const raw = JSON.parse(text) as Omit<StoredPacket, "payload"> & { payload: string };
  return { ...raw, payload: Buffer.from(raw.payload, "base64") };
}

export class SqlitePersistence extends MemoryPersistence {
  private constructor(private readonly db: Connection) {
    super();
  }

  /** Opens (or creates) the state file and loads what a previous run left in it. */
  static async open(path: string): Promise<SqlitePersistence> {
    mkdirSync(dirname(path), { recursive: true });
    const db = await Connection.open(path);
    await db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    await db.exec(SCHEMA);
    return new SqlitePersistence(db);
  }

  override async setup(broker: unknown): Promise<void> {
    await super.setup(broker);
    for (const row of await this.db.all<{ packet: string }>("SELECT packet FROM retained"))
      await super.storeRetained(decode(row.packet));
    const subs = await this.db.all<{ client_id: string; topic: string; options: string }>(
      "SELECT client_id, topic, options FROM subscriptions ORDER BY client_id",
    );
    for (const row of subs)
      await super.addSubscriptions({ id: row.client_id }, [
        { topic: row.topic, ...(JSON.parse(row.options) as Omit<SubscriptionLike, "topic">) },
      ]);
    const outgoing = await this.db.all<{ client_id: string; packet: string }>(
      "SELECT client_id, packet FROM outgoing ORDER BY rowid",
    );
    for (const row of outgoing) await super.outgoingEnqueue({ clientId: row.client_id }, decode(row.packet));
    for (const row of await this.db.all<{ client_id: string; packet: string }>("SELECT * FROM wills"))
      await super.putWill({ id: row.client_id }, decode(row.packet));
  }

  override async storeRetained(packet: StoredPacket): Promise<void> {
    await super.storeRetained(packet);
    // MQTT-3.3.1-10: a retained message with an empty payload removes the retained message
    if (packet.payload.length === 0)
      await this.db.run("DELETE FROM retained WHERE topic = ?", [packet.topic]);
    else
      await this.db.run("INSERT OR REPLACE INTO retained (topic, packet) VALUES (?, ?)", [
        packet.topic,
        encode(packet),
      ]);
  }

  override async addSubscriptions(client: ClientLike, subs: SubscriptionLike[]): Promise<void> {
    await super.addSubscriptions(client, subs);
    for (const { topic, ...options } of subs)
      await this.db.run("INSERT OR REPLACE INTO subscriptions (client_id, topic, options) VALUES (?, ?, ?)", [
        client.id,
        topic,
        JSON.stringify(options),
      ]);
  }

  override async removeSubscriptions(client: ClientLike, topics: string[]): Promise<void> {
    await super.removeSubscriptions(client, topics);
    for (const topic of topics)
      await this.db.run("DELETE FROM subscriptions WHERE client_id = ? AND topic = ?", [client.id, topic]);
  }

  override async cleanSubscriptions(client: ClientLike): Promise<void> {
    await super.cleanSubscriptions(client);
    await this.db.run("DELETE FROM subscriptions WHERE client_id = ?", [client.id]);
    await this.db.run("DELETE FROM outgoing WHERE client_id = ?", [client.id]);
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: StoredPacket): Promise<void> {
    await this.outgoingEnqueueCombi([sub], packet);
  }

  override async outgoingEnqueueCombi(subs: { clientId: string }[], packet: StoredPacket): Promise<void> {
    await super.outgoingEnqueueCombi(subs, packet);
    const body = encode(packet);
    for (const sub of subs)
      await this.db.run(
        "INSERT OR REPLACE INTO outgoing (client_id, broker_id, broker_counter, packet) VALUES (?, ?, ?, ?)",
        [sub.clientId, packet.brokerId ?? "", packet.brokerCounter ?? 0, body],
      );
  }

  override async outgoingClearMessageId(
    client: ClientLike,
    packet: StoredPacket,
  ): Promise<StoredPacket | undefined> {
    const cleared = await super.outgoingClearMessageId(client, packet);
    if (cleared)
      await this.db.run("DELETE FROM outgoing WHERE client_id = ? AND broker_id = ? AND broker_counter = ?", [
        client.id,
        cleared.brokerId ?? "",
        cleared.brokerCounter ?? 0,
      ]);
    return cleared;
  }

  override async putWill(client: ClientLike, packet: StoredPacket): Promise<void> {
    await super.putWill(client, packet);
    await this.db.run("INSERT OR REPLACE INTO wills (client_id, packet) VALUES (?, ?)", [
      client.id,
      encode(packet),
    ]);
  }

  override async delWill(client: ClientLike): Promise<StoredPacket | undefined> {
    const will = await super.delWill(client);
    await this.db.run("DELETE FROM wills WHERE client_id = ?", [client.id]);
    return will;
  }

  override async destroy(): Promise<void> {
    await super.destroy();
    await this.db.close();
  }
}
