import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../store/create-store.js";
import type { Store } from "../store/port.js";
import { CsvReader } from "./csv.js";
import { importCustomers } from "./customers.js";

describe("CsvReader", () => {
  it("reads quoted fields with separators, escaped quotes and line breaks, across chunks", () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\nlines"\n1,,3';
    const reader = new CsvReader();
    const records = [];
    // one character at a time: chunk boundaries anywhere
    for (const ch of text) records.push(...reader.push(ch));
    records.push(...reader.end());
    expect(records).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["x, y", 'say "hi"', "two\nlines"] },
      { line: 4, fields: ["1", "", "3"] },
    ]);
  });
});

describe("importCustomers", () => {
  const dir = mkdtempSync(join(tmpdir(), "proxima-import-"));
  let store: Store;
  beforeAll(async () => {
    store = await createStore(join(dir, "cloud.db"));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports good rows, reports each bad row with its line, and is idempotent", async () => {
    const file = join(dir, "crm.csv");
    writeFileSync(
      file,
      [
        "\ufeffLoyalty,Email,Phone,First Name,last_name,consent_marketing,shoe size",
        "L-1,ada@example.com,+44 7700 900123,Ada,Lovelace,yes,5",
        "L-2,not-an-email,,Bob,,no,9",
        ",,,Nobody,,,",
        "L-3,carol@example.com,,Carol,,maybe,7",
        "L-4,dan@example.com,,Dan",
        '"L-5","eve@example.com","","Eve ""E"" Smith","","",""',
      ].join("\n"),
    );
    const progress: number[] = [];
    const report = await importCustomers(store, file, {
      onProgress: (p) => progress.push(p.bytesRead / p.totalBytes),
    });
    expect(report.rows).toBe(6);
    expect(report.imported).toBe(2);
    expect(report.rejected.map((r) => r.line)).toEqual([3, 4, 5, 6]);
    expect(report.rejected[0]!.message).toContain("email");
    expect(report.rejected[1]!.message).toContain("at least one identity");
    expect(report.rejected[2]!.message).toContain("consentMarketing");
    expect(report.rejected[3]!.message).toContain("fields");
    expect(report.warnings.join()).toContain("shoe size");
    expect(progress.at(-1)).toBe(1);

    const id = (await store.findProfileId({ type: "email", value: "ada@example.com" }))!;
    expect(await store.findProfileId({ type: "phone", value: "+447700900123" })).toBe(id);
    const ada = (await store.getCustomer(id))!;
    expect(ada.profile).toMatchObject({ firstName: "Ada", lastName: "Lovelace" });
    expect(ada.consent.marketing).toBe(true);
    const eve = (await store.getCustomer((await store.findProfileId({ type: "loyalty", value: "L-5" }))!))!;
    expect(eve.profile.firstName).toBe('Eve "E" Smith');

    const again = await importCustomers(store, file);
    expect(again).toMatchObject({ imported: 0, unchanged: 2 });
  });

  it("refuses a file whose header names no identity column", async () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, "name,age\nAda,36\n");
    await expect(importCustomers(store, file)).rejects.toThrow(/no identity column/);
  });
});
