// The processes of a bench/replicate run: hypercored daemons driven over their
// control socket, Node peers (node_peer.js) and bench_replicate_live, each
// under `timeout -k 5 S` so that none outlives the run even if run itself is
// killed, each in its own process group (timeout makes one) so that killAll()
// ends the group at once.
'use strict'

const fs = require('fs')
const net = require('net')
const path = require('path')
const { spawn } = require('child_process')

const READY_TIMEOUT_MS = 10 * 1000
const STOP_TIMEOUT_MS = 15 * 1000

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const live = new Set() // every child still running, killed by killAll()

function killAll() {
  for (const c of live) {
    try {
      process.kill(-c.pid, 'SIGKILL')
    } catch {}
  }
  live.clear()
}

// The daemon and its tools get no HYPERCORED_* or systemd settings from the
// caller's environment.
function cleanEnv() {
  const env = { ...process.env }
  for (const k of Object.keys(env)) {
    if (k.startsWith('HYPERCORED_') || k === 'CONFIGURATION_DIRECTORY' || k === 'NOTIFY_SOCKET') delete env[k]
  }
  return env
}

function tailOf(file, n = 12) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-n).join('\n')
  } catch {
    return ''
  }
}

// A child under `timeout`; stdout is read as JSON lines, stderr goes to `log`.
class Child {
  constructor(label, cmd, args, { log, timeoutS, cwd }) {
    this.label = label
    this.log = log
    const fd = fs.openSync(log, 'a')
    this.proc = spawn('timeout', ['-k', '5', String(timeoutS), cmd, ...args], {
      stdio: ['pipe', 'pipe', fd],
      env: cleanEnv(),
      cwd
    })
    fs.closeSync(fd)
    this.pid = this.proc.pid
    live.add(this)
    this.lines = []
    this.waiters = []
    this.exit = null
    let buf = ''
    this.proc.stdout.setEncoding('utf8')
    this.proc.stdout.on('data', (d) => {
      buf += d
      for (let nl; (nl = buf.indexOf('\n')) >= 0; ) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.trim()) this.lines.push(line)
      }
      this.wake()
    })
    this.proc.stdin.on('error', () => {}) // a child that exited; its exit says why
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code, signal) => {
        live.delete(this)
        this.exit = { code, signal }
        this.wake()
        resolve(this.exit)
      })
    )
  }

  wake() {
    for (const w of this.waiters.splice(0)) w()
  }

  // The next stdout line as JSON; fails if the child exits or says nothing in time.
  async next(ms) {
    const deadline = Date.now() + ms
    for (;;) {
      if (this.lines.length) {
        const line = this.lines.shift()
        try {
          return JSON.parse(line)
        } catch {
          throw new Error(`${this.label} printed ${JSON.stringify(line)}`)
        }
      }
      if (this.exit) throw new Error(`${this.label} exited (${this.exit.code ?? this.exit.signal}):\n${tailOf(this.log)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`${this.label} printed nothing within ${ms / 1000} s:\n${tailOf(this.log)}`)
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  send(obj) {
    this.proc.stdin.write(JSON.stringify(obj) + '\n')
  }

  // The pid of the command itself (timeout's child), for its CPU time.
  commandPid() {
    try {
      const kids = fs.readFileSync(`/proc/${this.pid}/task/${this.pid}/children`, 'utf8').trim().split(/\s+/)
      return kids[0] ? Number(kids[0]) : null
    } catch {
      return null
    }
  }

  // Closes stdin (Node peers exit on that) or sends `signal`; waits, then kills.
  async stop({ signal = null, expectZero = true } = {}) {
    if (!this.exit) {
      if (signal) this.proc.kill(signal) // timeout passes it on to the command
      else this.proc.stdin.end()
    }
    const r = await Promise.race([this.exited, sleep(STOP_TIMEOUT_MS).then(() => null)])
    if (!r) {
      try {
        process.kill(-this.pid, 'SIGKILL')
      } catch {}
      throw new Error(`${this.label} did not stop within ${STOP_TIMEOUT_MS / 1000} s:\n${tailOf(this.log)}`)
    }
    if (expectZero && r.code !== 0) throw new Error(`${this.label} exited with ${r.code ?? r.signal}:\n${tailOf(this.log)}`)
  }
}

// CPU seconds (user + system, all threads) of a live process, from /proc.
const CLK_TCK = 100 // USER_HZ: 100 on every Linux architecture we build for
function cpuSeconds(pid) {
  if (!pid) return null
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields from 3 (state) on
    return (Number(f[11]) + Number(f[12])) / CLK_TCK // utime (14), stime (15)
  } catch {
    return null
  }
}

// One JSON-RPC connection to a daemon's control socket: call() sends a request
// and resolves with its result (or rejects with its error).
class Rpc {
  static open(sock) {
    return new Promise((resolve, reject) => {
      const c = net.connect(sock)
      c.once('error', reject)
      c.once('connect', () => {
        c.removeListener('error', reject)
        resolve(new Rpc(c))
      })
    })
  }

  constructor(socket) {
    this.socket = socket
    this.nextId = 1
    this.pending = new Map()
    let buf = ''
    socket.setEncoding('utf8')
    socket.on('data', (d) => {
      buf += d
      for (let nl; (nl = buf.indexOf('\n')) >= 0; ) {
        const msg = JSON.parse(buf.slice(0, nl))
        buf = buf.slice(nl + 1)
        const p = this.pending.get(msg.id)
        if (!p) continue // a notification: none are asked for here
        this.pending.delete(msg.id)
        msg.error ? p.reject(new Error(`${p.method}: ${msg.error.message}`)) : p.resolve(msg.result)
      }
    })
    const fail = (err) => {
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
    }
    socket.on('error', fail)
    socket.on('close', () => fail(new Error('the daemon closed the control connection')))
  }

  call(method, params = {}) {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method })
      this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n')
    })
  }

  close() {
    this.socket.destroy()
  }
}

// hypercored on data directory `data`, its socket and log beside it in `dir`.
// Resolves once daemon.status answers (and, with listen, once the log names
// the port it accepts peers on) with { child, rpc, port }.
async function startDaemon(bin, dir, name, { data, listen = false, peer = null, extra = [], timeoutS }) {
  const sock = path.join(dir, `${name}.sock`)
  const log = path.join(dir, `${name}.log`)
  const args = ['--data-dir', data, '--socket', sock, '--log-level', 'info']
  if (listen) args.push('--listen', '127.0.0.1:0')
  if (peer) args.push('--peer', peer)
  args.push(...extra)
  const child = new Child(`hypercored ${name}`, bin, args, { log, timeoutS })
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exit) throw new Error(`hypercored ${name} exited during start-up (${child.exit.code ?? child.exit.signal}):\n${tailOf(log)}`)
    let rpc = null
    try {
      rpc = await Rpc.open(sock)
      await rpc.call('daemon.status')
      let port = null
      if (listen) {
        const m = /accepting peers on 127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(log, 'utf8'))
        if (!m) throw new Error('not accepting peers yet')
        port = Number(m[1])
      }
      return { child, rpc, port, log, sock }
    } catch (e) {
      if (rpc) rpc.close()
      if (Date.now() > deadline) {
        await child.stop({ signal: 'SIGTERM', expectZero: false }).catch(() => {})
        throw new Error(`hypercored ${name} was not ready within ${READY_TIMEOUT_MS / 1000} s (${e.message}):\n${tailOf(log)}`)
      }
      await sleep(20)
    }
  }
}

async function stopDaemon(d) {
  d.rpc.close()
  await d.child.stop({ signal: 'SIGTERM' })
}

module.exports = { Child, Rpc, startDaemon, stopDaemon, cpuSeconds, killAll, tailOf, sleep }
