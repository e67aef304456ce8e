// CSV as spreadsheets read it (RFC 4180: quoted when needed, CRLF). Cells that a spreadsheet
// would run as a formula (=, +, -, @, tab, CR first) get a leading apostrophe, as the evidence
// pack's CSV files do (evidence/csv.go), so a downloaded table cannot carry a formula.
import { saveBlob } from "./api";

export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCSV(columns: string[], rows: unknown[][]): string {
  return [columns, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export function downloadCSV(name: string, columns: string[], rows: unknown[][]) {
  saveBlob(new Blob([toCSV(columns, rows)], { type: "text/csv;charset=utf-8" }), name);
}
