'use strict'
// A real protomux@3.12.1 peer driven by the C++ interop tests
// (protomux_interop_test.cpp) over stdin/stdout.
//
// Both directions carry frames: u32le(length) ‖ tag ‖ body, length counting
// tag + body. Tags:
//   'M' (both ways) one protomux message, i.e. what a secret stream would carry
//   'C' (C++ → Node) a JSON command, see `commands` below
//   'J' (Node → C++) a JSON event report
// Protomux runs over `Bridge`, an EventEmitter with the few stream methods
// protomux uses (write, destroy, end, pause, resume, 'data'/'close' events),
// one 'data' per message and one frame per write, like a secret stream.
// The process exits when stdin ends, and after 60 s whatever happens.

const { EventEmitter } = require('events')
const b4a = require('b4a')
const c = require('compact-encoding')
const Protomux = require('protomux')

setTimeout(() => process.exit(3), 60000).unref()

function writeFrame (tag, body) {
  const head = b4a.alloc(5)
  head.writeUInt32LE(body.byteLength + 1, 0)
  head[4] = tag.charCodeAt(0)
  process.stdout.write(b4a.concat([head, body]))
}

function report (ev) {
  writeFrame('J', b4a.from(JSON.stringify(ev)))
}

const hex = (b) => (b ? b4a.toString(b, 'hex') : null)
const unhex = (s) => (s === null || s === undefined ? null : b4a.from(s, 'hex'))
const keyOf = (protocol, id) => protocol + '##' + (id || '')

class Bridge extends EventEmitter {
  constructor () {
    super()
    this.userData = null
    this.destroyed = false
  }

  write (buf) {
    if (this.destroyed) return false
    writeFrame('M', buf)
    return true
  }

  destroy (err) {
    if (this.destroyed) return
    this.destroyed = true
    report({ ev: 'destroyed', error: err ? err.message : null })
    queueMicrotask(() => this.emit('close'))
  }

  end () {}
  pause () { report({ ev: 'paused' }) }
  resume () { report({ ev: 'resumed' }) }
}

const stream = new Bridge()
const mux = new Protomux(stream)
const channels = new Map() // key -> channel

// opts: { protocol, id (hex|null), handshake (hex), encoding: 'raw'|'buffer', types }
function createChannel (opts) {
  const key = keyOf(opts.protocol, opts.id)
  const handshakeEncoding = opts.encoding === 'buffer' ? c.buffer : c.raw
  const messages = []
  for (let t = 0; t < (opts.types || 4); t++) {
    messages.push({
      encoding: c.raw,
      onmessage (data) { report({ ev: 'message', key, type: t, data: hex(data) }) }
    })
  }
  const ch = mux.createChannel({
    protocol: opts.protocol,
    id: unhex(opts.id),
    handshake: handshakeEncoding,
    messages,
    onopen (handshake) { report({ ev: 'open', key, handshake: hex(handshake) }) },
    onclose (isRemote) {
      if (channels.get(key) === ch) channels.delete(key)
      report({ ev: 'close', key, isRemote })
    }
  })
  if (ch === null) {
    report({ ev: 'create-null', key })
    return null
  }
  channels.set(key, ch)
  ch.open(unhex(opts.handshake || ''))
  report({ ev: 'created', key, localId: ch._localId })
  return ch
}

const commands = {
  open (cmd) { createChannel(cmd) },
  // Answer remote opens of (protocol, id): open our side, or decline (the
  // notify returns without a channel, so protomux rejects).
  pair (cmd) {
    mux.pair({ protocol: cmd.protocol, id: unhex(cmd.id) }, async (id) => {
      report({ ev: 'notify', protocol: cmd.protocol, id: hex(id) })
      if (cmd.accept) createChannel({ ...cmd, id: hex(id) })
    })
  },
  send (cmd) {
    const ch = channels.get(cmd.key)
    const ok = ch.messages[cmd.type].send(unhex(cmd.data))
    report({ ev: 'sent', key: cmd.key, ok })
  },
  // Several sends (and optionally opens/closes) between cork() and uncork().
  batch (cmd) {
    mux.cork()
    for (const op of cmd.ops) commands[op.op](op)
    mux.uncork()
  },
  close (cmd) { channels.get(cmd.key).close() },
  // The raw message, bypassing protomux (to send what protomux never would).
  raw (cmd) { writeFrame('M', unhex(cmd.data)) },
  state () {
    const chans = {}
    for (const [key, ch] of channels) {
      chans[key] = { localId: ch._localId, remoteId: ch._remoteId, opened: ch.opened }
    }
    report({
      ev: 'state',
      channels: chans,
      free: mux._free.slice(),
      local: mux._local.length,
      remote: mux._remote.length,
      idle: mux.isIdle(),
      destroyed: stream.destroyed
    })
  },
  // Answered after pending ticks and microtasks ran.
  sync (cmd) { setImmediate(() => report({ ev: 'sync', n: cmd.n })) }
}

let input = b4a.alloc(0)
process.stdin.on('data', (data) => {
  input = b4a.concat([input, data])
  while (input.byteLength >= 4) {
    const len = input.readUInt32LE(0)
    if (input.byteLength < 4 + len) break
    const tag = String.fromCharCode(input[4])
    const body = input.subarray(5, 4 + len)
    input = input.subarray(4 + len)
    if (tag === 'M') {
      if (!stream.destroyed) stream.emit('data', body)
    } else if (tag === 'C') {
      const cmd = JSON.parse(b4a.toString(body))
      try {
        commands[cmd.op](cmd)
      } catch (err) {
        report({ ev: 'command-error', op: cmd.op, error: err.message })
      }
    }
  }
})
process.stdin.on('end', () => process.exit(0))
