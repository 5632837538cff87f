// Reads a Parquet file with hyparquet (pure JavaScript, neither adsml nor parquet-java) and prints what it found as
// JSON: the leaf columns' names and types, the row count, and every row. Floats are printed as their IEEE-754 bits,
// since JSON has no NaN or -0; 64-bit ints as strings, since JSON numbers lose them.
import { readFileSync } from 'node:fs'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'

const bytes = readFileSync(process.argv[2])
const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
const metadata = parquetMetadata(file)
const leaves = metadata.schema.slice(1)
const rows = await parquetReadObjects({ file })
const bits = new DataView(new ArrayBuffer(4))

function plain(type, value) {
  if (type === 'FLOAT') {
    bits.setFloat32(0, value)
    return bits.getUint32(0)
  }
  return typeof value === 'bigint' ? value.toString() : value
}

console.log(JSON.stringify({
  columns: leaves.map(c => c.name),
  types: leaves.map(c => c.type),
  rowCount: Number(metadata.num_rows),
  codecs: metadata.row_groups.flatMap(g => g.columns.map(c => c.meta_data.codec)),
  rows: rows.map(row => leaves.map(c => plain(c.type, row[c.name]))),
}))
