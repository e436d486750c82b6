'use strict'
// A hostile or broken replication peer for hostile_peers_test.py: it dials a
// hypercored (--listen) on 127.0.0.1 and misbehaves in one way per mode.
//
// Genuine data comes from a real Hypercore writer in this process: the peer
// is a man in the middle between hypercored and that writer's own
// core.replicate() stream. Both sides speak through NoiseSecretStreams we
// hold, so we see every plaintext Protomux message; we rewrite the channel
// open's capability for the session it goes out on (each Noise session has
// its own handshake hash), map the daemon's channel id onto the writer's, and
// corrupt what the mode says. Everything else passes unchanged, so the
// daemon asks for and receives real proofs, signed by the real writer.
//
// argv: dir daemon_port blocks mode...   (one core and one attack per mode,
// all in this one process: a Node start-up per mode costs seconds on a busy
// machine)
// stdout: one JSON object per line, each with the `mode` it is about:
//   {key, length}                  the writer is ready (seed it, then "go")
//   {port}                         connected; our local port (the daemon's log
//                                  names it)
//   {attacked, index?, value?}     the misbehaviour happened; value = the true
//                                  bytes of block `index`, base64 (wrong-index:
//                                  `answering` = the block that was asked for)
//   {barrier, index, value}        (unrequested, wrong-index) the daemon
//                                  answered our request for block `index`
//                                  with `barrier` = "data" or "noData": it has
//                                  processed everything we sent before
//   {closed, ms}                   the daemon closed the connection, ms after
//                                  connecting
// stdin: "go MODE" connects and attacks; "honest MODE" connects again and
// relays MODE's core without corrupting anything; end of stdin exits. Exits
// after 60 s anyway.
//
// Modes:
//   bad-signature   flips a byte of the upgrade's signature
//   bad-node        flips a byte of a tree node hash in each block proof
//   bad-value       flips a byte of each block value
//   truncated-data  cuts a data message in half
//   unrequested     never answers block requests with their id; sends the
//                   answers as request 0 and as an id never used, plus a
//                   corrupted one, then asks the daemon for that block
//   wrong-index     answers the request for one block with the (genuine)
//                   proof of another block, then asks for that other block
//                   (both: block answers without an upgrade; a first block
//                   asked for with its upgrade passes untouched)
//   unknown-type    sends unknown message types (channel, control, inside a
//                   batch), then replicates honestly
//   bad-manifest    flips a byte of the manifest's signer key
//   huge-claims     claims 2^50 blocks (range, bitfield), wants 2^52, asks
//                   for block 2^50 and an upgrade to 2^50, then replicates
//                   honestly
//   bad-capability  opens the channel with a wrong capability
//   bad-channel-id  opens the channel with id 5 (ids must be dense: 1 first)
//   truncated-open  a Protomux open message cut short
//   garbage         an encrypted-looking frame of random bytes
//   short-frame     a frame shorter than the secretstream tag
//   max-frame       a frame of 2^24-1 random bytes (the largest u24 length)
//   oversized-handshake  a first (Noise) frame announcing 2^24-1 bytes
//   stall-silent    connects and sends nothing
//   stall-msg1      sends Noise message 1, then nothing
//   (honest)        what "honest MODE" does: relays without corrupting

const net = require('net')
const path = require('path')
const crypto = require('crypto')
const readline = require('readline')
const b4a = require('b4a')
const c = require('compact-encoding')
const sodium = require('sodium-universal')
const NoiseSecretStream = require('@hyperswarm/secret-stream')
const Hypercore = require('hypercore')
const caps = require('hypercore/lib/caps')
const { wire } = require('hypercore/lib/messages')

const DATA = 3
const REQUEST = 1
const NO_DATA = 4
const BARRIER_ID = 999999

function print (o) { process.stdout.write(JSON.stringify(o) + '\n') }

setTimeout(() => { print({ error: 'timeout' }); process.exit(2) }, 60000).unref()
process.on('uncaughtException', err => { print({ error: err.stack }); process.exit(1) })

// ---- Protomux framing (protomux@3.12.1 index.js), just enough to relay ----

// One plaintext message -> [{channel, type, payload}], batches unpacked.
function parse (buf) {
  if (buf.byteLength === 0) return [] // a keep-alive
  const state = { start: 0, end: buf.byteLength, buffer: buf }
  const channel = c.uint.decode(state)
  const type = c.uint.decode(state)
  if (channel !== 0 || type !== 0) return [{ channel, type, payload: buf.subarray(state.start) }]
  const out = []
  let ch = c.uint.decode(state)
  while (state.start < state.end) {
    const len = c.uint.decode(state)
    if (len === 0) {
      ch = c.uint.decode(state)
      continue
    }
    const entry = { start: 0, end: len, buffer: buf.subarray(state.start, state.start + len) }
    state.start += len
    const t = c.uint.decode(entry)
    out.push({ channel: ch, type: t, payload: entry.buffer.subarray(entry.start) })
  }
  return out
}

function frame (m) {
  const head = { start: 0, end: 0, buffer: null }
  c.uint.preencode(head, m.channel)
  c.uint.preencode(head, m.type)
  head.buffer = b4a.alloc(head.end)
  c.uint.encode(head, m.channel)
  c.uint.encode(head, m.type)
  return b4a.concat([head.buffer, m.payload])
}

function decodeOpen (payload) {
  const state = { start: 0, end: payload.byteLength, buffer: payload }
  const localId = c.uint.decode(state)
  const protocol = c.string.decode(state)
  const id = c.optionalBuffer.decode(state)
  const handshake = wire.handshake.decode(state)
  return { localId, protocol, id, handshake }
}

function encodeOpen (o) {
  const state = { start: 0, end: 0, buffer: null }
  c.uint.preencode(state, o.localId)
  c.string.preencode(state, o.protocol)
  c.optionalBuffer.preencode(state, o.id)
  wire.handshake.preencode(state, o.handshake)
  state.buffer = b4a.alloc(state.end)
  c.uint.encode(state, o.localId)
  c.string.encode(state, o.protocol)
  c.optionalBuffer.encode(state, o.id)
  wire.handshake.encode(state, o.handshake)
  return state.buffer
}

function u24 (n) { return b4a.from([n & 255, (n >> 8) & 255, (n >> 16) & 255]) }

function flip (buf, at) {
  const copy = b4a.from(buf)
  copy[at] ^= 0x01
  return copy
}

// ---- the writer whose genuine data we relay ----

function block (mode, i) {
  return b4a.from(`hostile ${mode} block ${i} ` + 'x'.repeat(i * 37 % 200))
}

async function main (dir, port, blocks, modes) {
  const cores = new Map()
  for (const mode of modes) {
    const core = new Hypercore(path.join(dir, mode))
    await core.ready()
    const batch = []
    for (let i = 0; i < blocks; i++) batch.push(block(mode, i))
    await core.append(batch)
    cores.set(mode, core)
    print({ mode, key: b4a.toString(core.key, 'hex'), length: core.length })
  }

  const lines = readline.createInterface({ input: process.stdin })
  for await (const line of lines) {
    const [cmd, mode] = line.split(' ')
    const core = cores.get(mode)
    if (!core) throw new Error('no core for ' + line)
    if (cmd === 'go') connect(core, mode, mode, port)
    else if (cmd === 'honest') connect(core, mode, 'honest', port)
  }
  process.exit(0)
}

// One connection to the daemon, relaying `core` (of mode `tag`) and
// misbehaving as `mode` says.
function connect (core, tag, mode, port) {
  const say = o => print({ mode: tag, ...o })
  const socket = net.connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  const started = Date.now()
  socket.on('close', () => say({ closed: true, ms: Date.now() - started }))
  socket.on('error', () => {})
  socket.on('connect', () => {
    say({ port: socket.localPort })
    if (mode.startsWith('stall') || mode === 'oversized-handshake') handshakeAttack(socket, mode, say)
    else relay(core, tag, mode, socket, say).catch(err => { say({ error: err.message }); socket.destroy() })
  })
}

function handshakeAttack (socket, mode, say) {
  socket.resume() // read (and drop) what the daemon sends, to see it close
  if (mode === 'stall-msg1') {
    // A real ephemeral key: the daemon answers with message 2 and waits.
    const pk = b4a.alloc(32)
    const sk = b4a.alloc(64)
    sodium.crypto_sign_keypair(pk, sk)
    socket.write(b4a.concat([u24(32), pk]))
  } else if (mode === 'oversized-handshake') {
    socket.write(b4a.concat([u24(0xffffff), crypto.randomBytes(4096)]))
  }
  say({ attacked: mode })
  // stall-*: nothing more; the daemon's handshake deadline must end it.
}

async function relay (core, tag, mode, socket, say) {
  const outer = new NoiseSecretStream(true, socket)
  outer.on('error', () => {})
  // The writer's side: its own replication stream, ending in a stream we hold.
  const mine = new NoiseSecretStream(false)
  mine.on('error', () => {})
  const writerRaw = core.replicate(true, { keepAlive: false })
  writerRaw.on('error', () => {})
  writerRaw.pipe(mine.rawStream).pipe(writerRaw)
  socket.on('close', () => { mine.destroy(); writerRaw.destroy() })

  if (!(await outer.opened) || !(await mine.opened)) return

  if (mode === 'garbage' || mode === 'short-frame' || mode === 'max-frame') {
    const size = mode === 'garbage' ? 100 : mode === 'short-frame' ? 5 : 0xffffff
    socket.write(b4a.concat([u24(size), crypto.randomBytes(size)]))
    say({ attacked: mode })
    return
  }
  if (mode === 'truncated-open') {
    outer.write(b4a.concat([b4a.from([0, 1, 1, 15]), b4a.from('hyper')]))
    say({ attacked: mode })
    return
  }

  const dk = core.discoveryKey
  let daemonId = 0 // the daemon's local id of our core's channel
  let done = false // the attack happened; later data is dropped (unrequested)
  let held = null // wrong-index: the first block answer, kept back
  let barrierFor = null // the block our barrier request asked for

  const toDaemon = m => outer.write(frame(m))
  const toWriter = m => mine.write(frame(m))

  // A request of our own for block `index`: its answer comes after the
  // daemon handled everything we sent before it.
  const barrier = index => {
    const req = { id: BARRIER_ID, fork: 0, block: { index, nodes: 0 }, hash: null, seek: null, upgrade: null, manifest: false, priority: 0 }
    toDaemon({ channel: 1, type: REQUEST, payload: c.encode(wire.request, req) })
    barrierFor = { index }
  }

  mine.on('data', buf => {
    for (const m of parse(buf)) {
      if (m.channel === 0 && m.type === 1) {
        const o = decodeOpen(m.payload)
        o.handshake.capability = caps.replicate(outer.isInitiator, core.key, outer.handshakeHash)
        if (mode === 'bad-capability') {
          o.handshake.capability = flip(o.handshake.capability, 0)
          say({ attacked: mode })
        }
        if (mode === 'bad-channel-id') {
          o.localId = 5
          say({ attacked: mode })
        }
        toDaemon({ channel: 0, type: 1, payload: encodeOpen(o) })
        if (mode === 'unknown-type') sendUnknown(toDaemon, outer, say)
        if (mode === 'huge-claims') sendHugeClaims(toDaemon, say)
        continue
      }
      if (m.channel !== 0 && m.type === DATA) {
        for (const out of corrupt(mode, c.decode(wire.data, m.payload))) {
          toDaemon({ channel: m.channel, type: DATA, payload: out })
        }
        continue
      }
      toDaemon(m)
    }
  })

  // What to send the daemon instead of the writer's data message `d`.
  function corrupt (mode, d) {
    const encode = x => c.encode(wire.data, x)
    if (done && (mode === 'unrequested' || mode === 'wrong-index') && d.block) return []
    // A bad node or value keeps coming until the daemon closes: an answer
    // that relies on nodes another answer still in flight brings cannot be
    // told from one that came early, and is asked again (with its whole
    // proof); only a peer that corrupts that one too is caught.
    const persistent = mode === 'bad-node' || mode === 'bad-value'
    if ((done && !persistent) || mode === 'honest' || mode === 'unknown-type' || mode === 'huge-claims') return [encode(d)]
    const report = (index, extra) => {
      if (done) return
      done = true
      say({ attacked: mode, index, value: index === undefined ? undefined : b4a.toString(block(tag, index), 'base64'), ...extra })
    }
    if (mode === 'bad-manifest' && d.manifest) {
      const signer = d.manifest.signers[0]
      d.manifest = { ...d.manifest, signers: [{ ...signer, publicKey: flip(signer.publicKey, 0) }] }
      report()
    } else if (mode === 'bad-signature' && d.upgrade && d.upgrade.signature) {
      d.upgrade.signature = flip(d.upgrade.signature, d.upgrade.signature.byteLength - 1)
      report()
    } else if (mode === 'bad-node' && d.block && d.block.nodes.length > 0) {
      d.block.nodes[0] = { ...d.block.nodes[0], hash: flip(d.block.nodes[0].hash, 0) }
      report(d.block.index)
    } else if (mode === 'bad-value' && d.block && d.block.value.byteLength > 0) {
      d.block.value = flip(d.block.value, 0)
      report(d.block.index)
    } else if (mode === 'truncated-data' && d.block) {
      const whole = encode(d)
      report(d.block.index)
      return [whole.subarray(0, whole.byteLength >> 1)]
    } else if (mode === 'unrequested' && d.block && !d.upgrade) {
      const asked = d.request
      const out = [encode({ ...d, request: 0 }), encode({ ...d, request: asked + 100000 })]
      out.push(encode({ ...d, request: 0, block: { ...d.block, value: flip(d.block.value, 0) } }))
      report(d.block.index)
      setImmediate(() => barrier(d.block.index))
      return out
    } else if (mode === 'wrong-index' && d.block && !d.upgrade) {
      if (held === null) {
        held = d
        return []
      }
      report(d.block.index, { answering: held.block.index })
      setImmediate(() => barrier(d.block.index))
      return [encode({ ...d, request: held.request })]
    }
    return [encode(d)]
  }

  outer.on('data', buf => {
    for (const m of parse(buf)) {
      if (m.channel === 0) {
        if (m.type === 1) {
          const o = decodeOpen(m.payload)
          if (!o.id || !b4a.equals(o.id, dk)) continue // another core: not ours to answer
          daemonId = o.localId
          o.localId = 1
          o.handshake.capability = caps.replicate(mine.isInitiator, core.key, mine.handshakeHash)
          toWriter({ channel: 0, type: 1, payload: encodeOpen(o) })
        } else if (m.type === 3) {
          const state = { start: 0, end: m.payload.byteLength, buffer: m.payload }
          if (c.uint.decode(state) === daemonId) toWriter({ channel: 0, type: 3, payload: c.encode(c.uint, 1) })
        } else if (m.type === 2) {
          toWriter(m)
        }
        continue
      }
      if (m.channel !== daemonId) continue
      if ((m.type === DATA || m.type === NO_DATA) && barrierFor) {
        const id = c.decode(c.uint, m.payload.subarray(m.type === DATA ? 1 : 0))
        if (id === BARRIER_ID) {
          say({ barrier: m.type === DATA ? 'data' : 'noData', index: barrierFor.index, value: b4a.toString(block(tag, barrierFor.index), 'base64') })
          barrierFor = null
          socket.destroy()
          continue
        }
      }
      toWriter({ channel: 1, type: m.type, payload: m.payload })
    }
  })
}

// Claims and requests far beyond the core (length 16): the daemon must
// neither spend memory or time in proportion to them nor fail the channel.
function sendHugeClaims (toDaemon, say) {
  const send = (type, enc, m) => toDaemon({ channel: 1, type, payload: c.encode(enc, m) })
  const request = { fork: 0, block: null, hash: null, seek: null, upgrade: null, manifest: false, priority: 0 }
  send(8, wire.range, { drop: false, start: 0, length: 2 ** 50 })
  send(8, wire.range, { drop: false, start: 2 ** 40, length: 2 ** 45 })
  send(8, wire.range, { drop: true, start: 2 ** 45, length: 2 ** 45 })
  send(7, wire.bitfield, { start: 2 ** 50, bitfield: new Uint32Array(1024).fill(0xffffffff) })
  send(5, wire.want, { start: 0, length: 2 ** 52, any: false })
  send(5, wire.want, { start: 0, length: 2 ** 52, any: true })
  send(REQUEST, wire.request, { ...request, id: 4242, block: { index: 2 ** 50, nodes: 60 } })
  send(REQUEST, wire.request, { ...request, id: 4243, upgrade: { start: 0, length: 2 ** 50 } })
  send(REQUEST, wire.request, { ...request, id: 4244, hash: { index: 2 ** 51, nodes: 60 } })
  say({ attacked: 'huge-claims' })
}

// Message types no hypercore/alpha peer knows: on our channel, on the
// control session, and inside a batch. Node ignores all three.
function sendUnknown (toDaemon, outer, say) {
  toDaemon({ channel: 1, type: 42, payload: crypto.randomBytes(10) })
  toDaemon({ channel: 0, type: 9, payload: crypto.randomBytes(10) })
  const entry = b4a.concat([c.encode(c.uint, 77), crypto.randomBytes(6)])
  outer.write(b4a.concat([b4a.from([0, 0, 1]), c.encode(c.uint, entry.byteLength), entry]))
  say({ attacked: 'unknown-type' })
}

const [dir, port, blocks, ...modes] = process.argv.slice(2)
main(dir, Number(port), Number(blocks), modes).catch(err => { print({ error: err.message }); process.exit(1) })
