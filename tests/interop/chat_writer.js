'use strict'
// The writer of the Pear getting-started guide (each line typed becomes one
// block of a Hypercore), serving replication on a TCP port instead of
// Hyperswarm, so that hypercored can follow it with --peer:
//
//   node tests/interop/chat_writer.js DIR [PORT]
//
// Opens (or creates) the core in DIR, listens on 127.0.0.1:PORT (default: a
// free port) and prints "key <hex>" and "port <n>" on stdout. Then each line
// of stdin is appended as one block; the writer ends when stdin does.
// Uses the pinned hypercore of tests/interop (run `npm ci` there first).

const net = require('net')
const readline = require('readline')
const Hypercore = require('hypercore')

async function main () {
  const [dir, port] = process.argv.slice(2)
  if (!dir || (port !== undefined && !/^\d+$/.test(port))) {
    process.stderr.write('usage: node chat_writer.js DIR [PORT]\n')
    process.exit(2)
  }
  const core = new Hypercore(dir)
  await core.ready()

  const sockets = new Set()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.setNoDelay(true) // each line goes out at once
    const stream = core.replicate(false)
    socket.pipe(stream).pipe(socket)
    const drop = () => { sockets.delete(socket); socket.destroy() }
    stream.on('error', drop)
    socket.on('error', drop)
    socket.on('close', drop)
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(Number(port || 0), '127.0.0.1', resolve)
  })
  process.stdout.write(`key ${core.key.toString('hex')}\nport ${server.address().port}\n`)

  for await (const line of readline.createInterface({ input: process.stdin })) {
    await core.append(Buffer.from(line))
  }
  server.close()
  for (const socket of sockets) socket.destroy()
  await core.close()
}

main().catch((err) => {
  process.stderr.write(`chat_writer: ${err.message}\n`)
  process.exit(1)
})
