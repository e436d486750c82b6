'use strict'
// A live NoiseSecretStream (@hyperswarm/secret-stream) over TCP on 127.0.0.1
// against the C++ SecretStream (noise_live_test.cpp, which listens).
//
// argv: port, 'initiator' | 'responder' (Node's Noise role)
// stdin: { seed: hex32 (Node's static key), send: [size | 'keepalive'],
//          expect: number of non-empty messages the C++ side sends }
// Message k of size n is byte i = (i * 31 + k) & 255.
// stdout: { publicKey, remotePublicKey, handshakeHash,
//           received: [{ length, hash: BLAKE2b-256 hex }] }
// Node ends its side after it sent everything and received `expect`
// messages; it exits when the C++ side closed too, or fails after 30 s.

const net = require('net')
const fs = require('fs')
const sodium = require('sodium-universal')
const b4a = require('b4a')
const NoiseSecretStream = require('@hyperswarm/secret-stream')

function pattern (n, k) {
  const b = b4a.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + k) & 255
  return b
}

function hash (data) {
  const out = b4a.alloc(32)
  sodium.crypto_generichash(out, data)
  return b4a.toString(out, 'hex')
}

const port = Number(process.argv[2])
const isInitiator = process.argv[3] === 'initiator'
const input = JSON.parse(fs.readFileSync(0, 'utf8'))

const timer = setTimeout(() => {
  console.error('noise_live.js: timed out')
  process.exit(1)
}, 30000)

const socket = net.connect({ host: '127.0.0.1', port })
const keyPair = NoiseSecretStream.keyPair(b4a.from(input.seed, 'hex'))
const stream = new NoiseSecretStream(isInitiator, socket, { keyPair })
// Long enough never to fire by itself; turns on filtering of empty messages.
stream.setKeepAlive(60000)

const received = []
let sentAll = false
let ended = false

function maybeEnd () {
  if (ended || !sentAll || received.length < input.expect) return
  ended = true
  stream.end()
}

stream.on('data', (data) => {
  received.push({ length: data.byteLength, hash: hash(data) })
  maybeEnd()
})

stream.on('error', (err) => {
  console.error(err)
  process.exit(1)
})

stream.on('close', () => {
  clearTimeout(timer)
  process.stdout.write(JSON.stringify({
    publicKey: b4a.toString(stream.publicKey, 'hex'),
    remotePublicKey: b4a.toString(stream.remotePublicKey, 'hex'),
    handshakeHash: b4a.toString(stream.handshakeHash, 'hex'),
    received
  }) + '\n')
})

stream.opened.then((ok) => {
  if (!ok) return
  input.send.forEach((item, k) => {
    if (item === 'keepalive') stream.sendKeepAlive()
    else stream.write(pattern(item, k))
  })
  sentAll = true
  maybeEnd()
})
