'use strict'
// Replays append/truncate operations on real Hypercores and prints the tree
// after every operation: the known answers of tree_kat_test.cpp and
// random_ops_test.cpp.
//
// stdin: { cases: [{ seed: hex32, compat: bool, nodes: 'every' | 'last' | 'none',
//                    ops: [{ append: [hex] } | { truncate: n, fork?: f }] }] }
// stdout: { cases: [{ key, discoveryKey, manifest, states: [state] }] }, one state
// before the first operation and one after each:
//   { length, byteLength, fork, treeHash, signature (null when none),
//     roots: [[index, size, hash]], nodes?: [[index, size, hash] or null] }
// `nodes` lists what storage holds at every tree index below 2 * length (read
// the way MerkleTree.get does), on every state ('every') or the last one ('last').

const path = require('path')
const Hypercore = require('hypercore')
const crypto = require('hypercore-crypto')
const { toHex, fromHex, nodeJson, run } = require('./kat_util.js')

async function readNodes (state, count) {
  const rx = state.storage.read()
  const pending = []
  for (let i = 0; i < count; i++) pending.push(rx.getTreeNode(i))
  rx.tryFlush()
  return (await Promise.all(pending)).map(nodeJson)
}

async function snapshot (core, withNodes) {
  const state = core.core.state
  const treeHash = toHex(await core.treeHash())
  if (treeHash !== toHex(crypto.tree(state.roots))) {
    throw new Error('core.treeHash() disagrees with the roots of the state')
  }
  const out = {
    length: core.length,
    byteLength: core.byteLength,
    fork: core.fork,
    treeHash,
    signature: toHex(state.signature),
    roots: state.roots.map(nodeJson)
  }
  if (withNodes) out.nodes = await readNodes(state, 2 * core.length)
  return out
}

async function replay (dir, c) {
  const core = new Hypercore(dir, { keyPair: crypto.keyPair(fromHex(c.seed)), compat: c.compat })
  await core.ready()
  try {
    const last = c.ops.length - 1
    const wants = (i) => c.nodes === 'every' || (c.nodes === 'last' && i === last)
    const states = [await snapshot(core, wants(-1))]
    for (let i = 0; i < c.ops.length; i++) {
      const op = c.ops[i]
      if (op.append) await core.append(op.append.map(fromHex))
      else if (op.fork !== undefined) await core.truncate(op.truncate, op.fork)
      else await core.truncate(op.truncate)
      states.push(await snapshot(core, wants(i)))
    }
    return {
      key: toHex(core.key),
      discoveryKey: toHex(core.discoveryKey),
      manifest: toHex(core.getManifest({ raw: true })),
      states
    }
  } finally {
    await core.close()
  }
}

async function main (input, tmp) {
  const cases = []
  for (let i = 0; i < input.cases.length; i++) {
    cases.push(await replay(path.join(tmp, String(i)), input.cases[i]))
  }
  return { cases }
}

run(main)
