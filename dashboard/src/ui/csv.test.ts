import { describe, expect, it } from "vitest";
import { toCsv } from "./csv.js";

describe("toCsv", () => {
  it("quotes commas, quotes and line breaks (RFC 4180) and ends rows with CRLF", () => {
    expect(
      toCsv(
        ["a", "b"],
        [
          ["x,y", 'say "hi"'],
          ["line\nbreak", null],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",\r\n');
  });

  it("defuses spreadsheet formulas in text cells but keeps negative numbers", () => {
    expect(toCsv(["v"], [["=HYPERLINK(1)"], [-3]])).toBe("v\r\n'=HYPERLINK(1)\r\n-3\r\n");
  });
});
