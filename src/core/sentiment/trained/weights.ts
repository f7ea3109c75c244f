/**
 * The trained model's weights file (resources/sentiment/trained-model.bin.gz): gzip of
 *   "SSTM" · uint32 LE header length · the header as UTF-8 JSON · zero padding to 4 bytes · the tensors,
 * each at its `offset` (bytes from the start of the tensor area) in its `dtype`, little endian. The header
 * carries the model's name and version, its layer sizes, and the figures its training measured. The
 * vocabulary is a tensor of UTF-8 text (words, and bigrams as "word word", one per line). It holds
 * weights and single words only, never a sentence of the data it was trained on.
 */
import {gunzipSync, gzipSync} from 'node:zlib'

import {SstreamError} from '../../errors.js'

const MAGIC = 'SSTM'

export type TensorType = 'float32' | 'int8' | 'utf8'

export interface TensorEntry {
  name: string
  dtype: TensorType
  /** Element counts per dimension (bytes for utf8). */
  shape: number[]
  offset: number
  bytes: number
}

export interface WeightsHeader {
  format: 1
  /** e.g. "dan". */
  name: string
  /** e.g. "2026.1": changes whenever the weights change. */
  version: string
  /** Input vector size (the rows of the first layer, pre-multiplied into the token table), hidden sizes, classes. */
  layers: {hidden1: number; hidden2: number; classes: number; members?: number}
  /** Figures measured when the weights were made (training's own report). */
  training: Record<string, unknown>
  tensors: TensorEntry[]
}

export interface WeightsFile {
  header: WeightsHeader
  tensor(name: string): Float32Array
  int8(name: string): Int8Array
  text(name: string): string
}

export function encodeWeights(header: Omit<WeightsHeader, 'tensors'>, tensors: Record<string, Float32Array | Int8Array | string>): Buffer {
  const entries: TensorEntry[] = []
  const parts: Buffer[] = []
  let offset = 0
  for (const [name, value] of Object.entries(tensors)) {
    let bytes: Buffer
    let dtype: TensorType
    if (typeof value === 'string') {
      bytes = Buffer.from(value, 'utf8')
      dtype = 'utf8'
    } else if (value instanceof Int8Array) {
      bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      dtype = 'int8'
    } else {
      bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      dtype = 'float32'
    }
    entries.push({name, dtype, shape: [typeof value === 'string' ? bytes.length : value.length], offset, bytes: bytes.length})
    parts.push(bytes)
    const pad = (4 - (bytes.length % 4)) % 4
    if (pad > 0) parts.push(Buffer.alloc(pad))
    offset += bytes.length + pad
  }
  const json = Buffer.from(JSON.stringify({...header, tensors: entries}), 'utf8')
  const headPad = (4 - ((8 + json.length) % 4)) % 4
  const head = Buffer.alloc(8)
  head.write(MAGIC, 0, 'latin1')
  head.writeUInt32LE(json.length, 4)
  return gzipSync(Buffer.concat([head, json, Buffer.alloc(headPad), ...parts]), {level: 9})
}

export function decodeWeights(gzipped: Buffer, source: string): WeightsFile {
  let raw: Buffer
  try {
    raw = gunzipSync(gzipped)
  } catch (error) {
    throw corrupt(source, 'it is not gzip data', error)
  }
  if (raw.length < 8 || raw.toString('latin1', 0, 4) !== MAGIC) throw corrupt(source, 'it does not start with the weights marker')
  const headerLength = raw.readUInt32LE(4)
  let header: WeightsHeader
  try {
    header = JSON.parse(raw.toString('utf8', 8, 8 + headerLength)) as WeightsHeader
  } catch (error) {
    throw corrupt(source, 'its header is not JSON', error)
  }
  if (header.format !== 1) throw corrupt(source, `its format ${String(header.format)} is not 1`)
  const base = 8 + headerLength + ((4 - ((8 + headerLength) % 4)) % 4)
  // A copy aligned to 4 bytes, so that Float32Array views need no further copies.
  const data = new Uint8Array(raw.length - base)
  data.set(raw.subarray(base))
  const find = (name: string, dtype: TensorType): TensorEntry => {
    const entry = header.tensors.find((t) => t.name === name)
    if (!entry || entry.dtype !== dtype) throw corrupt(source, `it has no ${dtype} tensor "${name}"`)
    if (entry.offset + entry.bytes > data.length) throw corrupt(source, `its tensor "${name}" is cut short`)
    return entry
  }
  return {
    header,
    tensor: (name) => {
      const e = find(name, 'float32')
      return new Float32Array(data.buffer, data.byteOffset + e.offset, e.bytes / 4)
    },
    int8: (name) => {
      const e = find(name, 'int8')
      return new Int8Array(data.buffer, data.byteOffset + e.offset, e.bytes)
    },
    text: (name) => {
      const e = find(name, 'utf8')
      return Buffer.from(data.buffer, data.byteOffset + e.offset, e.bytes).toString('utf8')
    },
  }
}

function corrupt(source: string, why: string, cause?: unknown): SstreamError {
  return new SstreamError('INVALID_INPUT', `The sentiment model's weights in ${source} can't be read: ${why}.`, {
    nextSteps: ['Reinstall sstream, or re-create the weights with `npm run train:sentiment -- --data <treebank folder>`.'],
    ...(cause === undefined ? {} : {cause}),
  })
}
