'use strict'
// Known answers for the hypercore channel messages (lib/messages.js wire.*,
// type = position in lib/replicator.js _makePeer) and the channel handshake.
//
// stdin: { seed, perType, cases: [{ type, hex }] }
//   type is 0..9 or 'handshake'.
// stdout: {
//   generated: [{ type, value, hex }]   random values of every type made here,
//       encoded with wire.*; value is what wire.* decodes from hex, and
//       re-encoding it gives hex again (checked here).
//   decoded: [{ ok, value, hex, lossy }]  per input case: whether wire.*
//       decodes it (as protomux does: bytes after the message are ignored),
//       the decoded value, and its re-encoding. lossy: an extension name that
//       is not valid UTF-8, which Node's string decoding replaces.
// }
// Values as JSON: buffers in hex, Uint32Array as an array of numbers, tree
// nodes as { index, size, hash }, an extension name as the hex of its UTF-8.

const { wire } = require('hypercore/lib/messages.js')
const c = require('compact-encoding')
const { toHex, fromHex, run } = require('./kat_util.js')

const TYPES = [
  wire.sync, wire.request, wire.cancel, wire.data, wire.noData,
  wire.want, wire.unwant, wire.bitfield, wire.range, wire.extension
]
const EXTENSION = 9

function encodingOf (type) {
  return type === 'handshake' ? wire.handshake : TYPES[type]
}

// Deterministic sampling (mulberry32).
function prng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function generator (seed) {
  const r = prng(seed)
  const below = (n) => Math.floor(r() * n)
  const coin = () => r() < 0.5
  const pick = (xs) => xs[below(xs.length)]
  const EDGES = [0, 1, 2, 0xfc, 0xfd, 0xfe, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff,
    0x100000000, 2 ** 21, 0x7fffffff, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1]

  function uint () {
    switch (below(5)) {
      case 0: return pick(EDGES)
      case 1: return below(0xfd)
      case 2: return below(0x10000)
      case 3: return below(0x100000000)
      default: return below(2 ** 21) * 0x100000000 + below(0x100000000)
    }
  }
  function bytes (max) {
    const b = Buffer.alloc(below(4) === 0 ? 0 : below(max + 1))
    for (let i = 0; i < b.length; i++) b[i] = below(256)
    return b
  }
  const hash = () => { const b = Buffer.alloc(32); for (let i = 0; i < 32; i++) b[i] = below(256); return b }
  const nodes = () => Array.from({ length: below(4) === 0 ? 0 : below(6) }, () => ({ index: uint(), size: uint(), hash: hash() }))
  const signer = () => ({ signature: 'ed25519', namespace: hash(), publicKey: hash() })

  function manifest () {
    const version = below(4)
    const m = {
      version,
      hash: 'blake2b',
      allowPatch: coin(),
      quorum: below(8),
      signers: Array.from({ length: below(4) }, signer),
      prologue: null,
      linked: null,
      userData: null
    }
    if (version === 0) {
      const shape = below(3)
      if (shape === 0) Object.assign(m, { signers: [], prologue: { hash: hash(), length: 0 } })
      if (shape === 1) Object.assign(m, { signers: [signer()], quorum: 1, allowPatch: false })
      return m
    }
    if (coin()) m.prologue = { hash: hash(), length: uint() }
    if (coin()) m.linked = Array.from({ length: below(3) }, hash)
    if (coin()) m.userData = bytes(40)
    return m
  }

  const NAMES = ['a', 'hypercore', 'ext/1', 'é', '€', '🙂', '_', '-', 'z', '0']
  const BITFIELD_WORDS = [0, 1, 2, 3, 8, 32, 256, 1024, 65536]

  const make = [
    () => ({ fork: uint(), length: uint(), remoteLength: uint(), canUpgrade: coin(), uploading: coin(), downloading: coin(), hasManifest: coin(), allowPush: coin() }),
    () => ({
      id: uint(),
      fork: uint(),
      block: coin() ? { index: uint(), nodes: uint() } : null,
      hash: coin() ? { index: uint(), nodes: uint() } : null,
      seek: coin() ? { bytes: uint(), padding: uint() } : null,
      upgrade: coin() ? { start: uint(), length: uint() } : null,
      manifest: coin(),
      priority: coin() ? 0 : pick([1, 2, uint()])
    }),
    () => ({ request: uint() }),
    () => ({
      request: uint(),
      fork: uint(),
      block: coin() ? { index: uint(), value: below(10) === 0 ? bytes(70000) : bytes(300), nodes: nodes() } : null,
      hash: coin() ? { index: uint(), nodes: nodes() } : null,
      seek: coin() ? { bytes: uint(), nodes: nodes() } : null,
      upgrade: coin() ? { start: uint(), length: uint(), nodes: nodes(), additionalNodes: nodes(), signature: coin() ? null : bytes(64) } : null,
      manifest: coin() ? manifest() : null
    }),
    () => ({ request: uint(), reason: pick([0, 0, 1, 2, uint()]) }),
    () => ({ start: uint(), length: uint(), any: coin() }),
    () => ({ start: uint(), length: uint(), any: coin() }),
    () => {
      const words = new Uint32Array(pick(BITFIELD_WORDS))
      for (let i = 0; i < words.length; i++) words[i] = coin() ? below(0x100000000) : (coin() ? 0 : 0xffffffff)
      return { start: coin() ? 32 * below(2 ** 20) : uint(), bitfield: words }
    },
    () => ({ drop: coin(), start: uint(), length: pick([1, 1, 0, 2, uint()]) }),
    () => ({
      name: Array.from({ length: below(4) === 0 ? 0 : below(12) }, () => pick(NAMES)).join(''),
      message: below(8) === 0 ? bytes(70000) : bytes(100)
    })
  ]
  return {
    message: (type) => make[type](),
    handshake: () => ({ seeks: coin(), capability: hash() })
  }
}

function toJson (type, value) {
  const conv = (v) => {
    if (v === null || v === undefined) return null
    if (v instanceof Uint32Array) return Array.from(v)
    if (v instanceof Uint8Array) return toHex(v)
    if (Array.isArray(v)) return v.map(conv)
    if (typeof v === 'object') {
      const o = {}
      for (const k of Object.keys(v)) o[k] = conv(v[k])
      return o
    }
    return v
  }
  const out = conv(value)
  if (type === EXTENSION) out.name = toHex(Buffer.from(value.name, 'utf8'))
  return out
}

// As protomux decodes a message: from a state over the whole payload, so bytes
// after the message are ignored.
function decode (enc, buf) {
  return enc.decode({ start: 0, end: buf.length, buffer: buf })
}

function roundTrip (type, value) {
  const enc = encodingOf(type)
  const hex = toHex(c.encode(enc, value))
  const decoded = decode(enc, fromHex(hex))
  const again = toHex(c.encode(enc, decoded))
  if (again !== hex) throw new Error(`type ${type}: re-encoding differs: ${hex} vs ${again}`)
  return { type, value: toJson(type, decoded), hex }
}

async function main (input) {
  const gen = generator(input.seed)
  const generated = []
  for (let type = 0; type < TYPES.length; type++) {
    for (let i = 0; i < input.perType; i++) generated.push(roundTrip(type, gen.message(type)))
  }
  for (let i = 0; i < input.perType; i++) generated.push(roundTrip('handshake', gen.handshake()))

  const decoded = input.cases.map(({ type, hex }) => {
    const enc = encodingOf(type)
    const buf = fromHex(hex)
    let value
    try {
      value = decode(enc, buf)
    } catch (err) {
      return { ok: false, error: err.message }
    }
    let lossy = false
    if (type === EXTENSION) {
      const name = c.buffer.decode({ start: 0, end: buf.length, buffer: buf })
      lossy = !Buffer.from(value.name, 'utf8').equals(name)
    }
    return { ok: true, value: toJson(type, value), hex: toHex(c.encode(enc, value)), lossy }
  })
  return { generated, decoded }
}

run(main)
