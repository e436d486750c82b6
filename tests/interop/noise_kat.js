'use strict'
// Known answers for the Noise XX handshake and secretstream of
// @hyperswarm/secret-stream (docs/protocol/hypercore.md §5.3-5.4, §11.6-11.7).
//
// stdin: { cases: [{ staticI, staticR, ephI, ephR }] (32-byte seeds, hex),
//          secretstream: { key, messages: [hex], cppHeader, cppCiphertexts: [hex] } }
// stdout: { cases: [{ staticIpk, staticRpk, msg1, msg2, msg3, hashI, hashR, txI, rxI,
//                     txR, rxR, remoteI, remoteR, streamIdI, streamIdR }],
//           secretstream: { header, ciphertexts: [hex], pulled: [hex | null] } }
//
// The ephemeral keys are forced the way §11.6 describes: noise-handshake gets a
// curve object (noise-curve-ed with generateKeyPair replaced) returning a
// fixed key pair. noise-handshake wipes e after the handshake, so each call
// makes a fresh copy.

const Noise = require('noise-handshake')
const curve = require('noise-curve-ed')
const NoiseSecretStream = require('@hyperswarm/secret-stream')
const { Push, Pull } = require('sodium-secretstream')
const b4a = require('b4a')
const { toHex, fromHex, run } = require('./kat_util.js')

function fixedCurve (seed) {
  return { ...curve, generateKeyPair: () => curve.generateKeyPair(fromHex(seed)) }
}

function handshake (c) {
  const sI = NoiseSecretStream.keyPair(fromHex(c.staticI))
  const sR = NoiseSecretStream.keyPair(fromHex(c.staticR))
  const empty = b4a.alloc(0)
  // As lib/handshake.js: pattern XX, empty prologue, empty payloads.
  const I = new Noise('XX', true, sI, { curve: fixedCurve(c.ephI) })
  const R = new Noise('XX', false, sR, { curve: fixedCurve(c.ephR) })
  I.initialise(empty)
  R.initialise(empty)
  // Hex at once: the reader zeroes the received e in place (§10.22).
  const msg1 = I.send()
  const hex1 = toHex(msg1)
  R.recv(msg1)
  const msg2 = R.send()
  const hex2 = toHex(msg2)
  I.recv(msg2)
  const msg3 = I.send()
  const hex3 = toHex(msg3)
  R.recv(msg3)
  if (!I.complete || !R.complete) throw new Error('handshake did not complete')
  return {
    staticIpk: toHex(sI.publicKey),
    staticRpk: toHex(sR.publicKey),
    msg1: hex1,
    msg2: hex2,
    msg3: hex3,
    hashI: toHex(I.hash),
    hashR: toHex(R.hash),
    txI: toHex(I.tx),
    rxI: toHex(I.rx),
    txR: toHex(R.tx),
    rxR: toHex(R.rx),
    remoteI: toHex(I.rs),
    remoteR: toHex(R.rs),
    streamIdI: toHex(NoiseSecretStream.id(I.hash, true)),
    streamIdR: toHex(NoiseSecretStream.id(I.hash, false))
  }
}

function secretstream (s) {
  const key = fromHex(s.key)
  const push = new Push(key)
  const ciphertexts = s.messages.map((m) => toHex(push.next(fromHex(m))))
  const pull = new Pull(key)
  pull.init(fromHex(s.cppHeader))
  const pulled = s.cppCiphertexts.map((c) => {
    try {
      return toHex(pull.next(fromHex(c)))
    } catch {
      return null
    }
  })
  return { header: toHex(push.header), ciphertexts, pulled }
}

async function main (input) {
  return {
    cases: input.cases.map(handshake),
    secretstream: secretstream(input.secretstream)
  }
}

run(main)
