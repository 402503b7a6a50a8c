import type { ReactNode } from "react";
import { downloadCsv, toCsv } from "./csv.js";

export interface Column<T> {
  header: string;
  /** the raw value exported to CSV */
  value: (row: T) => string | number | null;
  /** how the cell is shown (defaults to the value) */
  render?: (row: T) => ReactNode;
  numeric?: boolean;
  /** long text that wraps instead of widening the table */
  wrap?: boolean;
}

/** A table with a caption and a CSV export of exactly its rows and columns (raw values). */
export function DataTable<T>({
  caption,
  columns,
  rows,
  filename,
  empty,
}: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  filename: string;
  empty?: string;
}) {
  const exportCsv = () =>
    downloadCsv(
      filename,
      toCsv(
        columns.map((c) => c.header),
        rows.map((r) => columns.map((c) => c.value(r))),
      ),
    );
  return (
    <div className="table-block">
      <div className="table-head">
        <h3>{caption}</h3>
        <button type="button" className="secondary" onClick={exportCsv} disabled={rows.length === 0}>
          Export CSV
        </button>
      </div>
      {rows.length === 0 ? (
        <p className="state empty">{empty ?? "No data in this range."}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.header} className={c.numeric ? "num" : undefined} scope="col">
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their position
                <tr key={i}>
                  {columns.map((c) => (
                    <td key={c.header} className={c.numeric ? "num" : c.wrap ? "wrap" : undefined}>
                      {c.render ? c.render(r) : c.value(r)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
