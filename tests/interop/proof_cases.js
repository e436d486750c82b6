'use strict'
// Proof requests answered by the Node reference, for proof_*_test.cpp.
//
// stdin: { cores: [{ name, seed (hex 32), compat, sizes: [block sizes], salt }] }
// Each core is written with hypercore (key pair = hypercore-crypto keyPair(seed),
// block i byte j = (salt + 131 i + 7 j + (i >> 8)) & 0xff), then answers many
// requests the way lib/replicator.js does (_getProof + ProofRequest.fulfill):
// MerkleTree.proof(state, rx, msg), rx.tryFlush(), settle(), block value and
// (non-compat, when asked) manifest filled in, encoded with wire.data.
//
// Each case says what a reader should make of the proof:
//   accept  a reader in the state the request describes verifies it
//   reject  the proof is answered but that reader must refuse it
//   error   Node refuses the request (INVALID_OPERATION, or the block is not
//           available: code NOT_AVAILABLE, the replicator's noData)
//   any     Node decides (seeks with padding over empty blocks)
// and the cases whose proofs, applied in order to a fresh reader, put it in
// that state (`setup`).
//
// The writer appends its blocks in steps and answers each request at a given
// length (`at`): a reader at length k is one that applied the upgrade 0 -> k
// sent when the writer had k blocks.
//
// stdout: { cores: [{ name, key, compat, manifest, length, byteLength,
//   treeHash, signature, snapshots: { at: { length, byteLength, treeHash,
//   signature } }, cases: [{ id, kind, expect, setup, at, msg, req, proof,
//   error, maxMissing? }] }] }  (bytes in hex)

const Hypercore = require('hypercore')
const crypto = require('hypercore-crypto')
const c = require('compact-encoding')
const flat = require('flat-tree')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { MerkleTree } = require('hypercore/lib/merkle-tree')
const messages = require('hypercore/lib/messages')

const hex = (b) => (b ? Buffer.from(b).toString('hex') : null)

function makeBlock(salt, i, size) {
  const b = Buffer.alloc(size)
  for (let j = 0; j < size; j++) b[j] = (salt + 131 * i + 7 * j + (i >> 8)) & 0xff
  return b
}

// Deterministic sampling (mulberry32).
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const uniq = (xs) => [...new Set(xs)].sort((a, b) => a - b)
const isRoot = (index, length) => flat.fullRoots(2 * length).includes(index)
function climb(index, n) {
  for (let i = 0; i < n; i++) index = flat.parent(index)
  return index
}

// What the replicator answers (lib/replicator.js _handleRequest, _getProof,
// ProofRequest.fulfill), as bytes or an error code.
async function answer(core, msg) {
  const state = core.core.state
  if (msg.fork !== state.fork) return { error: 'NOT_AVAILABLE' }
  const rx = state.storage.read()
  let block = null
  if (msg.block) {
    if (!core.core.bitfield.get(msg.block.index)) {
      rx.destroy()
      return { error: 'NOT_AVAILABLE' }
    }
    block = rx.getBlock(msg.block.index)
    block.catch(() => {})
  }
  const manifest = msg.manifest && !core.core.compat ? core.core.header.manifest : null
  let proof
  try {
    const p = await MerkleTree.proof(state, rx, msg)
    rx.tryFlush()
    proof = await p.settle()
  } catch (err) {
    rx.destroy()
    return { error: err.code || String(err.message) }
  }
  if (manifest) proof.manifest = manifest
  if (block) proof.block.value = await block
  const data = {
    request: msg.id,
    fork: msg.fork,
    block: proof.block,
    hash: proof.hash,
    seek: proof.seek,
    upgrade: proof.upgrade,
    manifest: proof.manifest
  }
  return { proof: hex(c.encode(messages.wire.data, data)) }
}

// The requests of one core: see the header comment.
function planCases(N, offsets, bigBlocks, compat, rand) {
  const cases = []
  const memo = new Map()
  const byteLength = (len) => offsets[len]
  const pick = (xs, n) => {
    const out = []
    for (let i = 0; i < n && xs.length; i++) out.push(xs[Math.floor(rand() * xs.length)])
    return out
  }

  function add(kind, fields, setup, expect, key, at = N) {
    if (key && memo.has(key)) return memo.get(key)
    const i = cases.length
    const msg = {
      id: [1 + (i % 252), 253 + i, 70000 + i][i % 3],
      fork: fields.fork || 0,
      block: fields.block || null,
      hash: fields.hash || null,
      seek: fields.seek || null,
      upgrade: fields.upgrade || null,
      manifest: !!fields.manifest,
      priority: i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0
    }
    cases.push({ id: i, kind, expect, setup, at, msg })
    if (key) memo.set(key, i)
    return i
  }

  // A reader at length k: it applied the upgrade 0 -> k (with the manifest)
  // that the writer sent when it had k blocks (a writer with more would add
  // additional nodes and take the reader to its own length).
  const readerAt = (k) =>
    add('upgrade', { upgrade: { start: 0, length: k }, manifest: true }, [], 'accept', 'U0:' + k, k)

  // A reader at length k that also stores tree node A (so a block or hash
  // proof may stop there): it fetched, with every missing node, a block whose
  // proof contains A.
  function readerWith(k, A, prefer) {
    const base = readerAt(k)
    if (isRoot(A, k)) return [base]
    const b = prefer !== undefined ? prefer : flat.leftSpan(A) / 2
    const max = MerkleTree.maxMissingNodes(2 * b, k)
    const pre = add('block', { block: { index: b, nodes: max } }, [base], 'accept', `B:${k}:${b}:${max}`)
    return [base, pre]
  }

  // For block b (tree index 2b) a stored ancestor A = climb(2b, n): the
  // sibling block's proof holds every ancestor of 2b and 2b itself.
  const blockReader = (k, b, n) => readerWith(k, climb(2 * b, n), b ^ 1)
  const hashReader = (k, x, n) => readerWith(k, climb(x, n))

  const K = uniq(
    (N >= 1000
      ? [1, 2, 3, 5, 8, 13, 255, 256, 257, 500, 999, N]
      : N >= 100
        ? [1, 2, 3, 5, 8, 13, 50, 64, 99, N]
        : [1, 2, 3, 4, 5, 7, 8, 13, N - 1, N]
    ).filter((k) => k >= 1 && k <= N)
  )
  const starts = [0, ...K.filter((k) => k < N)]

  const blocksBelow = (k) => {
    if (k <= 16) return [...Array(k).keys()]
    return uniq([
      0,
      1,
      2,
      3,
      k >> 1,
      k - 3,
      k - 2,
      k - 1,
      ...bigBlocks.filter((b) => b < k),
      ...pick([...Array(k).keys()], 2)
    ])
  }
  const treeIndexesBelow = (k) => {
    const out = []
    for (let d = 0; 1 << d <= k; d++) {
      const count = Math.floor(k / (1 << d)) // complete nodes at depth d
      const offs =
        count <= 6
          ? [...Array(count).keys()]
          : uniq([0, count - 1, count >> 1, ...pick([...Array(count).keys()], 1)])
      for (const o of offs) {
        const x = flat.index(d, o)
        if (flat.rightSpan(x) < 2 * k) out.push(x)
      }
    }
    return out
  }

  // Upgrades: 0 -> N, k -> N and k -> m < N (with additional nodes).
  for (const s of starts) {
    const targets = uniq([s + 1, s + 2, s + 3, (s + N) >> 1, N - 1, N, 2 * s + 1]).filter(
      (m) => m > s && m <= N
    )
    for (const m of targets) {
      const setup = s === 0 ? [] : [readerAt(s)]
      if (s === 0) {
        readerAt(m)
        if (m < N) add('upgrade', { upgrade: { start: 0, length: m }, manifest: true }, [], 'accept')
        // A fresh reader without the manifest assumes a compat core.
        const upgrade = { start: 0, length: m }
        add('upgrade', { upgrade, manifest: false }, [], compat ? 'accept' : 'reject')
      } else {
        add('upgrade', { upgrade: { start: s, length: m - s }, manifest: m % 2 === 0 }, setup, 'accept')
      }
    }
  }

  // Block proofs: every nodes count a reader at length k may send. Blocks
  // over 64 KiB only at a few lengths (they make the output large).
  const big = (b) => bigBlocks.includes(b)
  const bigOk = (k, b) => k === N || k === K.find((x) => x > b)
  for (const k of K) {
    for (const b of blocksBelow(k).filter((b) => !big(b) || bigOk(k, b))) {
      const max = MerkleTree.maxMissingNodes(2 * b, k)
      for (let n = 0; n <= max; n++) {
        if (big(b) && n !== 0 && n !== max) continue
        add('block', { block: { index: b, nodes: n } }, blockReader(k, b, n), 'accept', `B:${k}:${b}:${n}`)
      }
      // More nodes than the reader needs but fewer than the writer's tree
      // allows: a proof, but it ends at a node the reader does not have.
      if (MerkleTree.maxMissingNodes(2 * b, N) > max && k < N && b % 3 === 0) {
        add('block', { block: { index: b, nodes: max + 1 } }, [readerAt(k)], 'reject')
      }
    }
  }

  // Hash proofs: tree indexes of every depth, odd and even.
  for (const k of K) {
    for (const x of treeIndexesBelow(k)) {
      const max = MerkleTree.maxMissingNodes(x, k)
      for (let n = 0; n <= max; n++) {
        add('hash', { hash: { index: x, nodes: n } }, hashReader(k, x, n), 'accept')
      }
    }
  }

  // Block + upgrade: the block in the new part (its proof merges into the
  // upgrade) or in the part the reader has.
  for (const s of starts) {
    for (const m of uniq([N, s + 1, (s + N + 1) >> 1]).filter((m) => m > s && m <= N)) {
      const upgrade = { start: s, length: m - s }
      const manifest = s === 0 || m % 2 === 1
      const base = s === 0 ? [] : [readerAt(s)]
      const bigs = m === N ? bigBlocks : []
      for (const b of uniq([s, s + 1, m - 1, (s + m) >> 1, ...bigs]).filter((b) => b >= s && b < m)) {
        add('block+upgrade', { block: { index: b, nodes: b % 2 }, upgrade, manifest }, base, 'accept')
      }
      if (s > 0) {
        for (const b of uniq([0, s - 1, s >> 1]).filter((b) => !big(b) || bigOk(s, b))) {
          const max = MerkleTree.maxMissingNodes(2 * b, s)
          for (const n of uniq([0, max >> 1, max])) {
            const block = { index: b, nodes: n }
            add('block+upgrade', { block, upgrade, manifest }, blockReader(s, b, n), 'accept')
          }
        }
      }
      // A block past the upgrade has no proof.
      if (m < N) add('invalid', { block: { index: m, nodes: 0 }, upgrade, manifest }, base, 'error')
    }
  }

  // Hash + upgrade.
  for (const s of starts.filter((s, i) => i % 2 === 0)) {
    const upgrade = { start: s, length: N - s }
    const base = s === 0 ? [] : [readerAt(s)]
    for (const x of treeIndexesBelow(N).filter((x) => flat.leftSpan(x) >= 2 * s)) {
      add('hash+upgrade', { hash: { index: x, nodes: 0 }, upgrade, manifest: true }, base, 'accept')
    }
    if (s > 0) {
      for (const x of treeIndexesBelow(s)) {
        const max = MerkleTree.maxMissingNodes(x, s)
        const hash = { index: x, nodes: max }
        add('hash+upgrade', { hash, upgrade, manifest: false }, hashReader(s, x, max), 'accept')
      }
    }
  }

  // Seek + upgrade: the located node's proof merges into the upgrade.
  for (const s of starts) {
    for (const m of uniq([N, (s + N + 1) >> 1]).filter((m) => m > s)) {
      const upgrade = { start: s, length: m - s }
      const base = s === 0 ? [] : [readerAt(s)]
      const bl = byteLength(m)
      const points = uniq([
        0,
        1,
        bl - 1,
        bl,
        bl + 5,
        byteLength(s),
        byteLength(s) + 1,
        byteLength(s) > 0 ? byteLength(s) - 1 : 0,
        bl >> 1,
        ...bigBlocks.filter((b) => b < m).map((b) => offsets[b] + 1000),
        ...pick([...Array(m).keys()], 2).map((b) => offsets[b])
      ]).filter((x) => x >= 0)
      for (const bytes of points) {
        add('seek+upgrade', { seek: { bytes, padding: 0 }, upgrade, manifest: s === 0 }, base, 'accept')
      }
      add('seek+upgrade', { seek: { bytes: bl >> 2, padding: 1 }, upgrade, manifest: s === 0 }, base, 'any')
      // A seek with a block that the upgrade carries is refused.
      const seek = { bytes: 0, padding: 0 }
      add('invalid', { block: { index: m - 1, nodes: 0 }, seek, upgrade }, base, 'error')
      if (s > 0) {
        // ... but a block the reader already covers is fine, with a seek
        // below the node its proof stops at.
        const b = s - 1
        const max = MerkleTree.maxMissingNodes(2 * b, s)
        const A = climb(2 * b, max)
        const lo = offsets[flat.leftSpan(A) / 2]
        const hi = offsets[flat.rightSpan(A) / 2 + 1]
        if (hi > lo && !big(b)) {
          const fields = {
            block: { index: b, nodes: max },
            seek: { bytes: (lo + hi) >> 1, padding: 0 },
            upgrade,
            manifest: true
          }
          add('block+seek+upgrade', fields, blockReader(s, b, max), 'accept')
        }
      }
    }
  }

  // Block/hash + seek without an upgrade: the seek must lie below the node
  // the proof stops at; it replaces the sibling that contains it.
  for (const k of K) {
    for (const b of blocksBelow(k).filter((b, i) => i % 2 === 0)) {
      const max = MerkleTree.maxMissingNodes(2 * b, k)
      for (const n of uniq([1, max >> 1, max]).filter((n) => n >= 1 && n <= max)) {
        const A = climb(2 * b, n)
        const lo = offsets[flat.leftSpan(A) / 2]
        const hi = offsets[flat.rightSpan(A) / 2 + 1]
        if (hi === lo) continue
        const points = uniq([lo, lo + 1, hi - 1, (lo + hi) >> 1, offsets[b], offsets[b ^ 1]])
        const reader = blockReader(k, b, n)
        const block = { index: b, nodes: n }
        const hash = { index: 2 * b, nodes: n }
        for (const bytes of points.filter((x) => x >= lo && x < hi)) {
          const seek = { bytes, padding: 0 }
          if (!big(b)) add('block+seek', { block, seek }, reader, 'accept')
          add('hash+seek', { hash, seek }, reader, 'accept')
        }
        add('hash+seek', { hash, seek: { bytes: (lo + hi) >> 1, padding: 1 } }, reader, 'any')
        // A seek outside that node is refused, but only below the first
        // root: Node computes the byte offset of a node under a later root
        // as NaN (getByteOffsetBatch), and so ignores such seeks.
        const firstRoot = flat.fullRoots(2 * N)[0]
        const expect = flat.rightSpan(A) <= flat.rightSpan(firstRoot) ? 'error' : 'any'
        add('hash+seek', { hash, seek: { bytes: hi, padding: 0 } }, reader, expect)
        if (lo > 0) add('hash+seek', { hash, seek: { bytes: lo - 1, padding: 0 } }, reader, expect)
      }
    }
  }

  // Requests with nothing to prove: an empty answer (plus the manifest).
  add('empty', { seek: { bytes: 1, padding: 0 } }, [], 'accept')
  add('empty', { manifest: true }, [], 'accept')
  add('empty', {}, [], 'accept')

  // Requests Node refuses.
  const bad = [
    { upgrade: { start: 0, length: N + 1 } },
    { upgrade: { start: N, length: 1 } },
    { upgrade: { start: N + 1, length: 0 } },
    { upgrade: { start: 1, length: 0 } },
    { upgrade: { start: N > 1 ? N - 1 : 0, length: 2 } },
    { upgrade: { start: 2 ** 40, length: 3 } },
    { block: { index: N, nodes: 0 } },
    { block: { index: N + 7, nodes: 0 }, upgrade: { start: 0, length: N } },
    { block: { index: 0, nodes: 64 } },
    { block: { index: 0, nodes: 200 } },
    { block: { index: N - 1, nodes: MerkleTree.maxMissingNodes(2 * N - 2, N) + 1 } },
    { block: { index: 0, nodes: MerkleTree.maxMissingNodes(0, N) + 1 } },
    { hash: { index: 2 * N, nodes: 0 } },
    { hash: { index: 4 * N + 1, nodes: 0 } },
    { hash: { index: 2 ** 40, nodes: 0 } },
    { hash: { index: 0, nodes: MerkleTree.maxMissingNodes(0, N) + 1 } },
    { hash: { index: 2 * N + 1, nodes: 0 }, upgrade: { start: 0, length: N } },
    {
      seek: { bytes: byteLength(N) + 1, padding: 0 },
      block: { index: 0, nodes: MerkleTree.maxMissingNodes(0, N) }
    },
    // Another fork: not available, whatever is asked.
    { fork: 1, upgrade: { start: 0, length: N }, manifest: true },
    { fork: 1, hash: { index: 0, nodes: 0 } },
    { fork: 1, block: { index: 0, nodes: 0 } },
    { fork: 2, manifest: true }
  ]
  for (const fields of bad) add('invalid', fields, [], 'error')
  for (const b of bigBlocks) add('invalid', { block: { index: b, nodes: 40 } }, [], 'error')

  return cases
}

// Cores with no blocks answer everything but blocks with an empty proof.
function planEmptyCases() {
  const fields = [
    { upgrade: { start: 0, length: 1 }, manifest: true },
    { upgrade: { start: 0, length: 0 } },
    { upgrade: { start: 3, length: 2 } },
    { hash: { index: 1, nodes: 0 } },
    { seek: { bytes: 0, padding: 0 }, upgrade: { start: 0, length: 1 } },
    { manifest: true },
    {}
  ]
  const cases = fields.map((f, i) => ({
    id: i,
    kind: 'empty',
    expect: 'accept',
    setup: [],
    at: 0,
    msg: {
      id: i + 1,
      fork: 0,
      block: null,
      hash: f.hash || null,
      seek: f.seek || null,
      upgrade: f.upgrade || null,
      manifest: !!f.manifest,
      priority: 0
    }
  }))
  cases.push({
    id: cases.length,
    kind: 'invalid',
    expect: 'error',
    setup: [],
    at: 0,
    msg: {
      id: 99,
      fork: 0,
      block: { index: 0, nodes: 0 },
      hash: null,
      seek: null,
      upgrade: null,
      manifest: true,
      priority: 0
    }
  })
  return cases
}

async function runCore(spec, dir) {
  const keyPair = crypto.keyPair(Buffer.from(spec.seed, 'hex'))
  const core = new Hypercore(path.join(dir, spec.name), { keyPair, compat: !!spec.compat })
  await core.ready()
  const blocks = spec.sizes.map((size, i) => makeBlock(spec.salt, i, size))
  const N = blocks.length
  const offsets = [0]
  for (const b of blocks) offsets.push(offsets[offsets.length - 1] + b.byteLength)
  const bigBlocks = spec.sizes.map((s, i) => (s > 65536 ? i : -1)).filter((i) => i >= 0)
  const rand = prng(N * 7919 + (spec.compat ? 1 : 2))
  const cases = N === 0 ? planEmptyCases() : planCases(N, offsets, bigBlocks, !!spec.compat, rand)

  // A block request whose reader only applied the upgrade 0 -> k: Node's
  // requester would ask for maxMissingNodes levels (it stores just the roots).
  for (const cs of cases) {
    const setup = cs.setup.length === 1 ? cases[cs.setup[0]] : null
    if (!cs.msg.block || cs.msg.upgrade || !setup || !setup.msg.upgrade) continue
    if (setup.msg.upgrade.start !== 0) continue
    cs.maxMissing = MerkleTree.maxMissingNodes(2 * cs.msg.block.index, setup.msg.upgrade.length)
  }

  // The writer grows to each length some case is answered at (one append
  // per step), answering those cases there.
  const snapshots = {}
  for (const at of uniq(cases.map((cs) => cs.at))) {
    if (at > core.length) await core.append(blocks.slice(core.length, at))
    const state = core.core.state
    snapshots[at] = {
      length: state.length,
      byteLength: state.byteLength,
      treeHash: hex(crypto.tree(state.roots)),
      signature: hex(state.signature) || ''
    }
    for (const cs of cases.filter((cs) => cs.at === at)) {
      cs.req = hex(c.encode(messages.wire.request, cs.msg))
      const res = await answer(core, JSON.parse(JSON.stringify(cs.msg)))
      cs.proof = res.proof || null
      cs.error = res.error || null
    }
  }

  const out = {
    name: spec.name,
    key: hex(core.key),
    compat: core.core.compat,
    manifest: hex(c.encode(messages.manifest, core.core.header.manifest)),
    ...snapshots[N],
    snapshots,
    cases
  }
  await core.close()
  return out
}

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hc-proof-cases-'))
  try {
    const cores = []
    for (const spec of input.cores) cores.push(await runCore(spec, dir))
    process.stdout.write(JSON.stringify({ cores }))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
