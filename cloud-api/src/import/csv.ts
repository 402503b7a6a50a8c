/**
 * A streaming CSV reader (RFC 4180: `,` separators, `"` quoting with `""` escapes,
 * quoted fields may hold separators and line breaks; CRLF or LF). Records come out
 * with the line they started on, so errors can point at the file.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvReader {
  private field = "";
  private fields: string[] = [];
  private quoted = false;
  /** the previous char was a closing quote candidate inside a quoted field */
  private quotePending = false;
  private line = 1;
  private recordLine = 1;
  private sawAny = false;
  private pendingCR = false;

  /** Feeds a chunk; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (this.pendingCR) {
        this.pendingCR = false;
        if (ch === "\n") continue;
      }
      if (this.quoted) {
        if (this.quotePending) {
          this.quotePending = false;
          if (ch === '"') {
            this.field += '"';
            continue;
          }
          this.quoted = false; // the quote closed the field; fall through to unquoted handling
        } else if (ch === '"') {
          this.quotePending = true;
          continue;
        } else {
          if (ch === "\n") this.line++;
          this.field += ch;
          continue;
        }
      }
      this.sawAny = true;
      if (ch === '"' && this.field === "") {
        this.quoted = true;
      } else if (ch === ",") {
        this.fields.push(this.field);
        this.field = "";
      } else if (ch === "\n" || ch === "\r") {
        if (ch === "\r") this.pendingCR = true;
        this.fields.push(this.field);
        out.push({ line: this.recordLine, fields: this.fields });
        this.fields = [];
        this.field = "";
        this.sawAny = false;
        this.line++;
        this.recordLine = this.line;
      } else {
        this.field += ch;
      }
    }
    return out;
  }

  /** Ends the input; returns the last record if the file did not end with a line break. */
  end(): CsvRecord[] {
    if (this.quotePending) {
      this.quotePending = false;
      this.quoted = false;
    }
    if (!this.sawAny && this.fields.length === 0 && this.field === "") return [];
    this.fields.push(this.field);
    const record = { line: this.recordLine, fields: this.fields };
    this.fields = [];
    this.field = "";
    this.sawAny = false;
    return [record];
  }

  /** true while inside a quoted field (an unterminated quote at the end is an error) */
  get inQuotes(): boolean {
    return this.quoted && !this.quotePending;
  }
}
