// The blocks of bench/replicate, one definition for every process of a run
// (run, node_peer.js; bench_replicate_live writes the live format in C++).
//
// Download blocks: block(i, size) is u32le(i) followed by bytes of a fixed
// pseudo-random pool at an offset that depends on i, so every block differs
// and a reader that stored the wrong block (or none) is caught by comparing
// digests of a sample of indexes.
//
// Live blocks: the text "<index> <send time>" padded with '.' to `size` bytes;
// the send time is CLOCK_MONOTONIC in nanoseconds (process.hrtime.bigint() in
// Node, clock_gettime(CLOCK_MONOTONIC) in bench_replicate_live), one clock for
// every process on the machine, so a reader in another process can subtract it.
'use strict'

const crypto = require('crypto')

const POOL_BYTES = 256 * 1024

// xorshift32 from a fixed seed: the same pool in every process.
const pool = (() => {
  const b = Buffer.alloc(POOL_BYTES)
  let x = 0x9e3779b9
  for (let i = 0; i < POOL_BYTES; i += 4) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    b.writeUInt32LE(x, i)
  }
  return b
})()

function block(i, size) {
  if (size > POOL_BYTES - 4096) throw new Error(`block size ${size} is larger than the pool allows`)
  const b = Buffer.allocUnsafe(size)
  const head = Math.min(4, size)
  const index = Buffer.alloc(4)
  index.writeUInt32LE(i >>> 0)
  index.copy(b, 0, 0, head)
  const off = (i * 4099) % (POOL_BYTES - size)
  pool.copy(b, head, off, off + size - head)
  return b
}

function digest(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex')
}

function liveBlock(index, sentNs, size) {
  const text = `${index} ${sentNs}`
  if (text.length > size) throw new Error(`live block size ${size} is too small for "${text}"`)
  return Buffer.from(text.padEnd(size, '.'))
}

// { index, sentNs } of a live block, or throws if it is not one of `size` bytes.
function parseLive(buf, size) {
  const m = /^(\d+) (\d+)\.*$/.exec(buf.toString('latin1'))
  if (!m || buf.length !== size) throw new Error(`not a ${size}-byte live block: ${JSON.stringify(buf.toString('latin1').slice(0, 40))}`)
  return { index: Number(m[1]), sentNs: BigInt(m[2]) }
}

// Which indexes a reader's bytes are checked at: both ends and `n` more spread
// over the core, shifted by a random offset so every run checks other ones.
function sampleIndexes(count, n = 30) {
  const out = new Set([0, count - 1])
  const shift = Math.floor(Math.random() * count)
  for (let k = 0; k < n; k++) out.add((shift + Math.floor((k * count) / n)) % count)
  return [...out].sort((a, b) => a - b)
}

module.exports = { block, digest, liveBlock, parseLive, sampleIndexes }
