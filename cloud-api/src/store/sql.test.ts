import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSql } from "./sql.js";

describe("SqliteSql", () => {
  // Regression: a connection-wide "in a transaction" flag let an unrelated caller's
  // write run inside someone else's open transaction and vanish with its rollback.
  it("keeps an unrelated write out of another caller's transaction that rolls back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proxima-sql-"));
    const sql = await openSql(join(dir, "t.sqlite"));
    await sql.exec("CREATE TABLE t (v TEXT PRIMARY KEY)");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const inside = new Promise<void>((resolve) => {
      started = resolve;
    });
    const failing = sql.transaction(async (tx) => {
      await tx.run("INSERT INTO t (v) VALUES ('doomed')");
      started();
      await gate;
      throw new Error("projection failed");
    });
    await inside;
    const unrelatedWrite = sql.run("INSERT INTO t (v) VALUES ('unrelated')");
    const unrelatedTx = sql.transaction((tx) => tx.run("INSERT INTO t (v) VALUES ('other-tx')"));
    release();
    await expect(failing).rejects.toThrow("projection failed");
    await unrelatedWrite;
    await unrelatedTx;
    const rows = await sql.all<{ v: string }>("SELECT v FROM t ORDER BY v");
    expect(rows.map((r) => r.v)).toEqual(["other-tx", "unrelated"]);
    await sql.close();
  });

  it("runs a nested transaction inline in the outer one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proxima-sql-"));
    const sql = await openSql(join(dir, "t.sqlite"));
    await sql.exec("CREATE TABLE t (v TEXT PRIMARY KEY)");
    await expect(
      sql.transaction(async (tx) => {
        await tx.transaction((inner) => inner.run("INSERT INTO t (v) VALUES ('a')"));
        await sql.run("INSERT INTO t (v) VALUES ('b')"); // same flow: part of this transaction
        throw new Error("undo both");
      }),
    ).rejects.toThrow("undo both");
    expect(await sql.all("SELECT v FROM t")).toEqual([]);
    await sql.close();
  });

  // Regression: statements are prepared once and cached; one that failed to prepare
  // was emitted as an unhandled 'error' event and took the process down.
  it("rejects a statement that cannot be prepared, every time, and goes on working", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proxima-sql-"));
    const sql = await openSql(join(dir, "t.sqlite"));
    for (let attempt = 0; attempt < 2; attempt++)
      await expect(sql.all("SELECT v FROM missing")).rejects.toThrow("no such table: missing");
    await sql.exec("CREATE TABLE missing (v TEXT)");
    await sql.run("INSERT INTO missing (v) VALUES ($1)", ["now there"]);
    expect(await sql.all("SELECT v FROM missing")).toEqual([{ v: "now there" }]);
    await expect(sql.run("INSERT INTO missing (nope) VALUES (1)")).rejects.toThrow("no column named nope");
    await sql.close();
  });

  it("reuses a prepared statement with new parameters, and survives a constraint error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proxima-sql-"));
    const sql = await openSql(join(dir, "t.sqlite"));
    await sql.exec("CREATE TABLE t (v TEXT PRIMARY KEY)");
    for (const v of ["a", "b", "c"]) await sql.run("INSERT INTO t (v) VALUES ($1)", [v]);
    await expect(sql.run("INSERT INTO t (v) VALUES ($1)", ["a"])).rejects.toThrow("UNIQUE");
    await sql.run("INSERT INTO t (v) VALUES ($1)", ["d"]);
    expect((await sql.all<{ v: string }>("SELECT v FROM t ORDER BY v")).map((r) => r.v)).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
    await sql.close();
  });
});
