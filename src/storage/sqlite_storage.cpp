#include "sqlite_storage.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <set>
#include <unordered_map>
#include <vector>

#include "append_journal.hpp"
#include "append_record.hpp"
#include "block_files.hpp"
#include "checkpointer.hpp"
#include "core/errors.hpp"
#include "crypto/hash.hpp"
#include "core_row.hpp"
#include "database.hpp"
#include "errors.hpp"
#include "layout.hpp"
#include "log.hpp"
#include "node_cache.hpp"
#include "pending_writes.hpp"
#include "recent_blocks.hpp"
#include "schema.hpp"

namespace hc::storage {
namespace {

// A new database's page size, fixed once its first table exists. Every commit
// writes its dirty pages whole to the WAL, which favours small pages; 1 KiB
// blocks waste less of large ones. 8 KiB holds 7 blocks with their tree nodes
// (file about 1.15x the block bytes) at about 2.5 pages (20 KiB) of WAL per
// single append; 4 KiB pages would make the file 1.35x, 16 KiB double the WAL.
constexpr int kPageSize = 8192;
// How long a call waits for another connection's lock before `locked`.
constexpr int kBusyTimeoutMs = 5000;
// Page cache of the writing connection (KiB): the interior pages of a few GB.
constexpr int kCacheKiB = 16 * 1024;
// New WAL frames after which the background checkpointer runs a pass (1 MiB
// with 8 KiB pages), and the WAL length after which the writer itself waits
// for a full one: the WAL restarts from its beginning only when a commit
// finds it all copied, which commits that keep coming prevent, so this bounds
// its size (256 MiB). Passes are kept short because the WAL's fdatasync at
// the start of each holds up the writer's next commit when that commit writes
// to a page still queued for the disk: with SQLite's 1000 frames (8 MiB) a
// live block every 5 ms waited 10-20 ms at every pass. A short pass also more
// often ends with the WAL all copied, so it restarts instead of growing.
constexpr int kCheckpointFrames = 128;
constexpr int kWalLimitFrames = 32768;
// When the WAL restarts, a file longer than this is cut back to it. Below it
// the file is reused as it is: cutting it and growing it again costs more
// than the writes themselves. (One very large write can pass the limit.)
constexpr std::int64_t kWalKeepBytes = std::int64_t{2} * kWalLimitFrames * kPageSize;
// Pages of the database file are read through a mapping of (up to) this much
// of it instead of pread into the page cache: one copy less per page read.
// (A mapped page is parsed again at each fetch; see cell_size_check below.)
constexpr std::int64_t kMmapBytes = std::int64_t{1} << 30;
// Tree rows are written up to this many to a statement: each execution of a
// statement has a fixed cost (reset, bind, VDBE start) that a batch of 100
// appends paid 300 times, and a single append 3 times.
constexpr std::size_t kRowsPerInsert = 32;
// Block and node reads share one read transaction (Database::hold_read) for
// at most this many calls, so the checkpointer is never held back for long
// by a reader that does not write.
constexpr int kReadsPerSnapshot = 1024;
// Tree nodes (and known gaps) remembered by NodeCache: about 5 MiB.
constexpr std::size_t kNodeCacheEntries = std::size_t{1} << 16;
// The blocks of the last write kept for reading back (recent_blocks.hpp): a
// live append's. A bulk write keeps none, nor does one of large blocks: the
// copy, made at every append, would cost more than the read it saves a push.
constexpr std::size_t kRecentBlocks = 16;
constexpr std::size_t kRecentBytes = 16 * 1024;
// Appends of up to this many block bytes and blocks (a live one's) are held:
// written to the append journal (append_journal.hpp) and committed at
// settle(). Larger ones commit at once: their commit costs more than the
// latency it would save, and the journal would write their bytes a second
// time. (The count also keeps a record of many empty blocks, with their tree
// nodes, far below kMaxAppendRecordBody.)
constexpr std::size_t kHeldAppendBytes = 16 * 1024;
constexpr std::size_t kHeldAppendBlocks = 1024;
// Held appends commit by themselves past this many (or bytes), for a caller
// that never calls settle().
constexpr std::size_t kMaxHeldWrites = 64;
constexpr std::size_t kMaxHeldBytes = std::size_t{1} << 20;

using Type = Value::Type;

// A row of one update, to be written in key order: a node, a block, or a
// block and its leaf node (layout.hpp), which share a row.
struct TreeRow {
  std::int64_t key;
  const core::TreeNode* node;  // null: the row's node is not written
  std::optional<ByteView> data;  // the block, in the row
  std::optional<std::int64_t> file;  // or in its block file (file_ref); neither: not written
};

// The keys of the ancestors of leaf 2n left of it that a truncation to n
// keeps, ascending. The storage contract drops them all, but
// core::truncated_ancestors (which MemoryStorage follows) stops at the
// leftmost node of a level and misses those above it; this keeps exactly
// those, so both stores stay identical (and it is empty once that is fixed).
std::vector<std::int64_t> kept_on_truncate(core::CoreId core, std::uint64_t n) {
  std::vector<std::int64_t> keys;
  if (n == 0 || n >= kMaxBlocks) return keys;
  const std::vector<std::uint64_t> dropped = core::truncated_ancestors(n);
  for (std::uint64_t i = core::flat::parent(2 * n); node_fits(i); i = core::flat::parent(i)) {
    if (i < 2 * n && std::find(dropped.begin(), dropped.end(), i) == dropped.end()) {
      keys.push_back(node_key(core, i));  // parents come later: keys ascend
    }
  }
  return keys;
}

}  // namespace

struct SqliteStorage::Impl {
  Impl(Database database, int version) : db(std::move(database)), schema_version(version) {}
  ~Impl();

  Status prepare();
  Result<Statement*> rows_insert(std::size_t n);
  Status insert_rows(std::span<const TreeRow> rows);
  Status read_snapshot();
  Status ensure_core(core::CoreId id);
  // Where a block written now goes: its block file's file_ref, or nullopt to
  // keep it in its row (a core we write, a small block, or the file failed).
  std::optional<std::int64_t> to_file(core::CoreId core, ByteView data);
  Result<std::optional<Bytes>> read_file_block(core::CoreId core, std::int64_t ref);
  // Writes the block file marks that changed, inside the caller's transaction
  // (with durability full, after syncing the files first).
  Status record_marks();
  // After a crash: checks a core's file blocks past its last sync (once per open).
  Status check_file_blocks(core::CoreId core);
  Status clear_bit(core::CoreId core, std::uint64_t block);
  // At close: syncs every file written to and records it.
  void close_files();
  Status apply(const core::CoreUpdate& u);
  Status write(std::span<const core::CoreUpdate> updates);
  // Whether write() may hold these updates (journal them, commit them later).
  bool holds(std::span<const core::CoreUpdate> updates);
  Status hold(const core::CoreUpdate& u);
  // At open: writes again what the journal holds that SQLite lacks.
  Status replay_journal();
  // What apply() refuses, checked before anything is written (also for
  // writes a group holds back).
  Status check(const core::CoreUpdate& u);
  Status write_rows(std::vector<TreeRow>& rows);
  Status write_page(core::CoreId core, std::uint64_t page, ByteView bits);
  Status write_header(core::CoreId core, const core::TreeState& tree);
  // Gives SQLite what is pending: a group's merged writes (in the group's
  // transaction), or held appends (in a transaction of their own, after which
  // the journal starts again). A failure fails the group, or, for held
  // appends, every later write: they reported success and are now only in
  // the journal, which the next open replays.
  Status flush();
  Result<std::optional<core::CoreRecord>> read_core(Statement& stmt, const auto& bind_key);
  Result<core::CoreRecord> core_from(const Query& q) const;
  std::error_code corrupt(std::string_view what, core::CoreId core) const;
  static int on_commit(void* self, sqlite3* db, const char* name, int frames);

  Database db;
  int schema_version;
  std::unique_ptr<Checkpointer> checkpointer;
  // Ids known to exist, and whether each is a core we download (no secret
  // key). Cores are never deleted, so an id found once stays valid; one not
  // found here is looked up (another connection may have made it).
  std::unordered_map<core::CoreId, bool> known;
  // Block files (block_files.hpp), for blocks of at least file_min_bytes of
  // cores we download, and their marks as the table block_files has them.
  struct FileMark {
    std::uint64_t written = 0;  // rows point below this
    std::uint64_t synced = 0;   // on disk below this
    // What the table said at the first load: blocks in [from, to) may have
    // been lost in a crash, until check_file_blocks has run.
    std::uint64_t check_from = 0, check_to = 0;
    bool checked = false;
    bool failed = false;  // an append failed (logged): the rows keep the blocks
  };
  std::unique_ptr<BlockFiles> files;
  std::size_t file_min_bytes = 0;
  bool full_sync = false;
  std::unordered_map<core::CoreId, FileMark> marks;  // loaded when first needed
  std::set<core::CoreId> unrecorded;  // cores whose mark changed since record_marks
  Result<FileMark*> mark_of(core::CoreId core);
  std::vector<TreeRow> tree_rows;  // reused by apply()
  std::vector<std::optional<std::int64_t>> block_refs;  // reused by write()
  // Between begin_group() and end_group(). The group's transaction begins
  // only when something reaches SQLite (begin()): the merged writes of a
  // read from a peer reach it at end_group(), after their blocks were
  // verified and followers told, and a read that writes nothing (a sync, a
  // keep-alive) costs no BEGIN and COMMIT at all.
  bool grouping = false;
  // The open group's transaction: each write() nests in it. Declared after
  // db: destroyed (rolled back) before the connection closes.
  std::optional<Transaction> group;
  // Every write transaction of this connection: in a group, it nests in the
  // group's transaction, which begins first if it has not yet.
  Result<Transaction> begin();
  int snapshot_reads = 0;          // reads in the held read transaction
  NodeCache nodes{kNodeCacheEntries};
  RecentBlocks recent{kRecentBlocks, kRecentBytes};
  // A group's merged writes not given to SQLite yet (pending_writes.hpp), and
  // why the group failed, if it did: it can then only be rolled back.
  PendingWrites pending;
  std::optional<std::error_code> group_failure;
  // The journal of held appends (none when another connection holds it; with
  // durability full it only replays), and how much pending holds for it.
  std::unique_ptr<AppendJournal> journal;
  std::size_t held_writes = 0;
  std::size_t held_bytes = 0;

  Statement insert_core, insert_header, core_taken, core_exists, core_by_key, core_by_name,
      core_by_discovery_key, all_cores, remote_keys, put_header, put_manifest, get_pages,
      put_page, get_node, get_block, drop_from, get_mark, put_mark, file_blocks, drop_file_block,
      get_page, get_position;
  // put_rows[n]: writes n tree rows (an upsert), prepared when first needed.
  std::array<Statement, kRowsPerInsert + 1> put_rows;
};

SqliteStorage::Impl::~Impl() {
  // Held appends are committed; if that fails the journal keeps them for the
  // next open.
  if (db.handle() && journal && !grouping && flush()) (void)journal->clear();
  // A group still open rolls back: its file blocks are dead bytes.
  if (db.handle() && files && !grouping) close_files();
  // Stop checkpointing before the statements and the writer's connection go:
  // the writer then closes last, checkpoints and removes the WAL.
  if (db.handle()) sqlite3_wal_hook(db.handle(), nullptr, nullptr);
  checkpointer.reset();
}

int SqliteStorage::Impl::on_commit(void* self, sqlite3* db, const char* name, int frames) {
  auto* impl = static_cast<Impl*>(self);
  if (frames >= kWalLimitFrames) {
    // Copy the rest ourselves (the checkpointer has done most of it) so the
    // next commit restarts the WAL. This commit has happened whatever the
    // outcome: a failure is logged, not returned.
    auto paused = impl->checkpointer->hold();
    const int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    if (rc != SQLITE_OK) (void)sqlite_failure(db, rc, "checkpoint at the WAL size limit");
  } else {
    impl->checkpointer->committed(frames);
  }
  return SQLITE_OK;
}

Status SqliteStorage::Impl::prepare() {
  const std::string core_select =
      "SELECT " + std::string(kCoreColumns) + " FROM cores c LEFT JOIN state s ON s.id = c.id << " +
      std::to_string(kStateShift);
  const std::pair<Statement*, std::string> list[] = {
      {&insert_core,
       "INSERT INTO cores (key, discovery_key, name, manifest, secret_key) "
       "VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&insert_header,
       "INSERT INTO state (id, fork, length, byte_length, roots, signature) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&core_taken, "SELECT 1 FROM cores WHERE key = ?1 OR (?2 IS NOT NULL AND name = ?2)"},
      {&core_exists, "SELECT secret_key IS NULL FROM cores WHERE id = ?1"},
      {&core_by_key, core_select + " WHERE c.key = ?1"},
      {&core_by_name, core_select + " WHERE c.name = ?1"},
      {&core_by_discovery_key, core_select + " WHERE c.discovery_key = ?1 LIMIT 1"},
      {&all_cores, core_select + " ORDER BY c.id"},
      {&remote_keys, "SELECT id, key FROM cores WHERE secret_key IS NULL ORDER BY id"},
      {&put_header,
       "UPDATE state SET fork = ?2, length = ?3, byte_length = ?4, roots = ?5, signature = ?6 "
       "WHERE id = ?1"},
      {&put_manifest, "UPDATE cores SET manifest = ?2 WHERE id = ?1"},
      {&get_pages, "SELECT id, bits FROM state WHERE id > ?1 AND id < ?2 ORDER BY id DESC"},
      {&put_page, "INSERT OR REPLACE INTO state (id, bits) VALUES (?1, ?2)"},
      {&get_node, "SELECT size, hash FROM tree WHERE id = ?1"},
      {&get_block, "SELECT data, file FROM tree WHERE id = ?1"},
      {&drop_from, "DELETE FROM tree WHERE id >= ?1 AND id < ?2"},
      {&get_mark, "SELECT written, synced FROM block_files WHERE core = ?1"},
      {&put_mark,
       "INSERT INTO block_files (core, written, synced) VALUES (?1, ?2, ?3) "
       "ON CONFLICT (core) DO UPDATE SET written = excluded.written, synced = excluded.synced"},
      {&file_blocks,
       "SELECT id, size, hash, file FROM tree WHERE id >= ?1 AND id < ?2 AND file IS NOT NULL"},
      {&drop_file_block, "UPDATE tree SET file = NULL WHERE id = ?1"},
      {&get_page, "SELECT bits FROM state WHERE id = ?1"},
      {&get_position, "SELECT fork, length FROM state WHERE id = ?1"},
  };
  for (const auto& [stmt, sql] : list) {
    auto s = Statement::prepare(db, sql);
    if (!s) {
      // The tables or columns we wrote are not there: a damaged or edited file.
      if (s.error() == make_error_code(Errc::internal)) return Errc::corrupt;
      return s.error();
    }
    *stmt = std::move(*s);
  }
  return {};
}

Result<Statement*> SqliteStorage::Impl::rows_insert(std::size_t n) {
  Statement& stmt = put_rows[n];
  if (!stmt.handle()) {
    // A row written with only its block or only its leaf node keeps the
    // other half (NULL binds leave a column as it was). A block is in data or
    // in file, and a written one replaces both.
    std::string sql = "INSERT INTO tree (id, size, hash, data, file) VALUES (?, ?, ?, ?, ?)";
    for (std::size_t i = 1; i < n; i++) sql += ", (?, ?, ?, ?, ?)";
    const std::string kept_block = "excluded.data IS NULL AND excluded.file IS NULL";
    sql += " ON CONFLICT (id) DO UPDATE SET size = coalesce(excluded.size, size), "
           "hash = coalesce(excluded.hash, hash), "
           "data = CASE WHEN " + kept_block + " THEN data ELSE excluded.data END, "
           "file = CASE WHEN " + kept_block + " THEN file ELSE excluded.file END";
    HC_TRY(stmt, Statement::prepare(db, sql));
  }
  return &stmt;
}

// REQUIRES: 1 <= rows.size() <= kRowsPerInsert.
Status SqliteStorage::Impl::insert_rows(std::span<const TreeRow> rows) {
  HC_TRY(Statement* stmt, rows_insert(rows.size()));
  Query q(*stmt);
  int p = 1;
  for (const TreeRow& row : rows) {
    q.bind_int(p, row.key);
    if (row.node) {
      q.bind_int(p + 1, static_cast<std::int64_t>(row.node->size)).bind_blob(p + 2, row.node->hash);
    } else {
      q.bind_null(p + 1).bind_null(p + 2);
    }
    if (row.data) q.bind_blob(p + 3, *row.data); else q.bind_null(p + 3);
    if (row.file) q.bind_int(p + 4, *row.file); else q.bind_null(p + 4);
    p += 5;
  }
  return q.run();
}

Status SqliteStorage::Impl::read_snapshot() {
  if (!db.holds_read() || ++snapshot_reads >= kReadsPerSnapshot) {
    db.end_read();
    snapshot_reads = 0;
  }
  return db.hold_read();
}

std::error_code SqliteStorage::Impl::corrupt(std::string_view what, core::CoreId core) const {
  logger()->error("{}: {} of core {} does not decode: the database is damaged",
                  db.path().string(), what, core);
  return make_error_code(Errc::corrupt);
}

Status SqliteStorage::Impl::ensure_core(core::CoreId id) {
  if (id < 1 || id > kMaxCoreId) return core::Errc::core_not_found;
  if (known.count(id)) return {};
  Query q(core_exists);
  q.bind_int(1, id);
  HC_TRY(bool found, q.step());
  if (!found) return core::Errc::core_not_found;
  known[id] = q.column(0).integer != 0;
  return {};
}

Result<core::CoreRecord> SqliteStorage::Impl::core_from(const Query& q) const {
  CoreRow row{q.column(0), q.column(1), q.column(2), q.column(3), q.column(4), q.column(5),
              q.column(6), q.column(7), q.column(8), q.column(9), q.column(10)};
  auto record = decode_core_row(row);
  if (!record) return corrupt("header", row.id.type == Type::integer ? row.id.integer : 0);
  return record;
}

Result<std::optional<core::CoreRecord>> SqliteStorage::Impl::read_core(Statement& stmt,
                                                                       const auto& bind_key) {
  HC_CHECK(flush());  // headers may be pending
  db.end_read();  // cores are looked up in the latest state (another connection may add one)
  Query q(stmt);
  bind_key(q);
  HC_TRY(bool found, q.step());
  if (!found) return std::optional<core::CoreRecord>();
  HC_TRY(core::CoreRecord record, core_from(q));
  known[record.id] = !record.secret_key;
  return std::optional<core::CoreRecord>(std::move(record));
}

Status SqliteStorage::Impl::apply(const core::CoreUpdate& u) {
  HC_CHECK(check(u));
  if (u.truncate) {
    const std::uint64_t n = *u.truncate;
    nodes.clear();  // rare: not worth finding the core's dropped nodes
    // Blocks >= n, nodes >= 2n and the ancestors of leaf 2n left of it (the
    // nodes whose last block is n or later) are the rows from block n's on,
    // less the ancestors core::truncated_ancestors keeps (kept_on_truncate).
    std::int64_t from = block_key(u.core, n);
    for (std::int64_t keep : kept_on_truncate(u.core, n)) {
      Query q(drop_from);
      HC_CHECK(q.bind_int(1, from).bind_int(2, keep).run());
      from = keep + 1;
    }
    Query q(drop_from);
    HC_CHECK(q.bind_int(1, from).bind_int(2, tree_end(u.core)).run());
  }
  // Node and block rows go in key order: an append's rows then land at the
  // end of the table's last page (layout.hpp), one after the other.
  std::vector<TreeRow>& rows = tree_rows;
  rows.clear();
  for (const auto& node : u.nodes) {
    rows.push_back({node_key(u.core, node.index), &node, std::nullopt, std::nullopt});
    nodes.stage(rows.back().key, node);
  }
  for (const auto& [index, data] : u.blocks) {
    const std::optional<std::int64_t> ref = to_file(u.core, data);
    rows.push_back({block_key(u.core, index), nullptr,
                    ref ? std::nullopt : std::optional<ByteView>(data), ref});
  }
  // Stable: of two writes of one node or block, the later wins, as in a map.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const TreeRow& a, const TreeRow& b) { return a.key < b.key; });
  // A block and its leaf node (same key) become one row.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < rows.size(); i++) {
    if (kept > 0 && rows[kept - 1].key == rows[i].key) {
      if (rows[i].node) rows[kept - 1].node = rows[i].node;
      if (rows[i].data || rows[i].file) {
        rows[kept - 1].data = rows[i].data;
        rows[kept - 1].file = rows[i].file;
      }
    } else {
      rows[kept++] = rows[i];
    }
  }
  rows.resize(kept);
  HC_CHECK(write_rows(rows));
  for (const auto& page : u.bitfield) HC_CHECK(write_page(u.core, page.index, page.bits));
  if (u.tree) HC_CHECK(write_header(u.core, *u.tree));
  if (u.manifest) {
    const Bytes manifest = core::encode_manifest(*u.manifest);
    Query q(put_manifest);
    HC_CHECK(q.bind_int(1, u.core).bind_blob(2, manifest).run());
  }
  return {};
}

// REQUIRES: rows in ascending key order, one per key. Clears them, so that
// no views into a caller's blocks outlive the call.
Status SqliteStorage::Impl::write_rows(std::vector<TreeRow>& rows) {
  for (std::size_t done = 0; done < rows.size(); done += kRowsPerInsert) {
    const std::size_t n = std::min(kRowsPerInsert, rows.size() - done);
    if (auto st = insert_rows(std::span(rows).subspan(done, n)); !st) {
      rows.clear();
      return st;
    }
  }
  rows.clear();
  return {};
}

Status SqliteStorage::Impl::write_page(core::CoreId core, std::uint64_t page, ByteView bits) {
  Query q(put_page);
  return q.bind_int(1, page_key(core, page)).bind_blob(2, bits).run();
}

Status SqliteStorage::Impl::write_header(core::CoreId core, const core::TreeState& tree) {
  const Bytes roots = encode_roots(tree.roots);
  Query q(put_header);
  HC_CHECK(q.bind_int(1, header_key(core))
               .bind_int(2, static_cast<std::int64_t>(tree.fork))
               .bind_int(3, static_cast<std::int64_t>(tree.length))
               .bind_int(4, static_cast<std::int64_t>(tree.byte_length))
               .bind_blob(5, roots)
               .bind_blob(6, tree.signature)
               .run());
  if (q.changes() != 1) return corrupt("header row (missing)", core);
  return {};
}

Status SqliteStorage::Impl::check(const core::CoreUpdate& u) {
  HC_CHECK(ensure_core(u.core));
  if (u.truncate && *u.truncate > kMaxBlocks) return Errc::limit_exceeded;
  for (const auto& node : u.nodes) {
    if (!node_fits(node.index)) return Errc::limit_exceeded;
  }
  for (const auto& block : u.blocks) {
    if (block.first >= kMaxBlocks) return Errc::limit_exceeded;
  }
  for (const auto& page : u.bitfield) {
    // A page of another size would read back as damage: refuse to write it.
    if (page.bits.size() != core::Bitfield::kPageBytes) return core::Errc::bad_argument;
    if (page.index >= kBitfieldPages) return Errc::limit_exceeded;
  }
  if (u.tree) HC_CHECK(check_tree(*u.tree));
  return {};
}

Result<Transaction> SqliteStorage::Impl::begin() {
  // Whatever this transaction changes, and whether it commits, recent is
  // refilled only after a write that did (SqliteStorage::write).
  recent.clear();
  if (grouping && !group) {
    HC_TRY(Transaction outer, Transaction::begin(db));
    group.emplace(std::move(outer));
  }
  return Transaction::begin(db);
}

bool SqliteStorage::Impl::holds(std::span<const core::CoreUpdate> updates) {
  // With durability full every append commits (and syncs) at once.
  if (!journal || full_sync || updates.size() != 1 || !is_journaled_append(updates.front())) {
    return false;
  }
  const core::CoreUpdate& u = updates.front();
  if (u.blocks.size() > kHeldAppendBlocks) return false;
  std::size_t bytes = 0;
  for (const auto& block : u.blocks) bytes += block.second.size();
  // Only a core we write: a download's blocks may go to block files.
  return bytes <= kHeldAppendBytes && ensure_core(u.core) && !known.at(u.core);
}

Status SqliteStorage::Impl::hold(const core::CoreUpdate& u) {
  HC_CHECK(check(u));
  HC_CHECK(journal->append(u));  // from here on it survives a crash
  pending.add(u);
  for (const auto& node : u.nodes) nodes.stage(node_key(u.core, node.index), node);
  nodes.commit_staged();
  held_writes++;
  for (const auto& block : u.blocks) held_bytes += block.second.size();
  // Done either way: a failure is kept (group_failure) and fails what follows.
  if (held_writes >= kMaxHeldWrites || held_bytes >= kMaxHeldBytes) (void)flush();
  return {};
}

Status SqliteStorage::Impl::replay_journal() {
  HC_TRY(std::vector<AppendRecord> records, journal->read());
  std::size_t replayed = 0;
  for (const AppendRecord& record : records) {
    // Written again only where SQLite still has the core as the record found
    // it: one committed before the crash, or followed by a truncation (a new
    // fork), is not.
    {
      if (!ensure_core(record.core)) continue;
      Query q(get_position);
      q.bind_int(1, header_key(record.core));
      HC_TRY(bool found, q.step());
      if (!found) continue;
      const Value fork = q.column(0);
      const Value length = q.column(1);
      if (fork.type != Type::integer || length.type != Type::integer ||
          static_cast<std::uint64_t>(fork.integer) != record.tree.fork ||
          static_cast<std::uint64_t>(length.integer) != record.first_block) {
        continue;
      }
    }
    const core::CoreUpdate u = record.update();
    const Status written = write(std::span<const core::CoreUpdate>(&u, 1));
    if (!written) {
      nodes.drop_staged();
      logger()->error("{}: append {} of core {} from {} cannot be written again: {}",
                      db.path().string(), record.first_block, record.core,
                      journal->path().string(), written.error().message());
      return written;
    }
    nodes.commit_staged();
    replayed++;
  }
  if (replayed > 0) {
    logger()->info("{}: {} append(s) that had not reached the database recovered from {}",
                   db.path().string(), replayed, journal->path().string());
  }
  return journal->clear();
}

Status SqliteStorage::Impl::flush() {
  if (group_failure) return *group_failure;
  if (pending.empty()) return {};
  Status status = [&]() -> Status {
    HC_TRY(Transaction tx, begin());
    for (const auto& [core, c] : pending.cores()) {
      std::vector<TreeRow>& rows = tree_rows;
      rows.clear();
      for (const auto& [key, row] : c.rows) {
        rows.push_back({key, row.node ? &*row.node : nullptr,
                        row.data ? std::optional<ByteView>(*row.data) : std::nullopt, row.file});
      }
      HC_CHECK(write_rows(rows));
      for (const auto& [page, bits] : c.pages) HC_CHECK(write_page(core, page, bits));
      if (c.tree) HC_CHECK(write_header(core, *c.tree));
    }
    HC_CHECK(record_marks());
    return tx.commit();
  }();
  pending.clear();
  if (!status) {
    // Writes that reported success are lost: only a rollback is left.
    group_failure = status.error();
    nodes.clear();
  } else if (held_writes > 0) {
    held_writes = 0;
    held_bytes = 0;
    journal->restart();
  }
  return status;
}

Result<SqliteStorage::Impl::FileMark*> SqliteStorage::Impl::mark_of(core::CoreId core) {
  auto it = marks.find(core);
  if (it != marks.end()) return &it->second;
  Query q(get_mark);
  q.bind_int(1, core);
  HC_TRY(bool found, q.step());
  FileMark mark;
  if (found) {
    const Value written = q.column(0);
    const Value synced = q.column(1);
    if (written.integer < 0 || synced.integer < 0) return corrupt("block file mark", core);
    mark.written = static_cast<std::uint64_t>(written.integer);
    mark.synced = static_cast<std::uint64_t>(synced.integer);
    mark.check_from = mark.synced;
    mark.check_to = mark.written;
  }
  mark.checked = mark.check_to <= mark.check_from;
  return &marks.emplace(core, mark).first->second;
}

std::optional<std::int64_t> SqliteStorage::Impl::to_file(core::CoreId core, ByteView data) {
  if (data.size() < file_min_bytes || data.size() > kMaxFileBlockBytes) return std::nullopt;
  auto remote = known.find(core);
  if (remote == known.end() || !remote->second) return std::nullopt;
  auto mark = mark_of(core);
  if (!mark || (*mark)->failed) return std::nullopt;
  // A file that fails is logged by BlockFiles, once: the rows keep the
  // core's blocks until the next open.
  auto offset = files->append(core, (*mark)->written, data);
  if (!offset) {
    (*mark)->failed = true;
    return std::nullopt;
  }
  const std::uint64_t end = *offset + data.size();
  (*mark)->written = std::max((*mark)->written, end);
  unrecorded.insert(core);
  if (end > kMaxFileOffset) return std::nullopt;  // not expressible: dead bytes
  return file_ref(*offset, data.size());
}

Result<std::optional<Bytes>> SqliteStorage::Impl::read_file_block(core::CoreId core,
                                                                  std::int64_t ref) {
  if (ref < 0) return corrupt("block file reference", core);
  HC_TRY(Bytes block, files->read(core, file_offset(ref), file_length(ref)));
  return std::optional<Bytes>(std::move(block));
}

Status SqliteStorage::Impl::record_marks() {
  for (const auto& [core, end] : files->take_synced()) {
    HC_TRY(FileMark * mark, mark_of(core));
    mark->synced = std::max(mark->synced, end);
    unrecorded.insert(core);
  }
  if (unrecorded.empty()) return {};
  for (core::CoreId core : unrecorded) {
    HC_TRY(FileMark * mark, mark_of(core));
    // Durability full: the rows this commit makes durable point at bytes
    // that must be on disk first.
    if (full_sync && mark->synced < mark->written) {
      HC_TRY(std::uint64_t end, files->sync(core));
      mark->synced = std::max(mark->synced, std::min(end, mark->written));
    }
    // Until the blocks a crash may have damaged are checked, a later sync
    // (of whatever the disk gave back) does not vouch for them.
    const std::uint64_t synced = mark->checked ? mark->synced : mark->check_from;
    Query q(put_mark);
    HC_CHECK(q.bind_int(1, core)
                 .bind_int(2, static_cast<std::int64_t>(mark->written))
                 .bind_int(3, static_cast<std::int64_t>(synced))
                 .run());
  }
  // A commit that then fails loses these rows, which only makes a later
  // check look at more blocks.
  unrecorded.clear();
  return {};
}

Status SqliteStorage::Impl::clear_bit(core::CoreId core, std::uint64_t block) {
  const std::uint64_t page = block / core::Bitfield::kPageBits;
  const std::uint64_t bit = block % core::Bitfield::kPageBits;
  Bytes bits;
  {
    Query q(get_page);
    q.bind_int(1, page_key(core, page));
    HC_TRY(bool found, q.step());
    if (!found) return {};
    const Value v = q.column(0);
    if (v.type != Type::blob || v.bytes.size() != core::Bitfield::kPageBytes) {
      return corrupt("bitfield page", core);
    }
    bits = to_bytes(v.bytes);
  }
  bits[bit / 8] = static_cast<std::uint8_t>(bits[bit / 8] & ~(1u << (bit % 8)));
  return write_page(core, page, bits);
}

Status SqliteStorage::Impl::check_file_blocks(core::CoreId core) {
  auto remote = known.find(core);
  if (remote == known.end() || !remote->second) return {};
  HC_TRY(FileMark * mark, mark_of(core));
  if (!mark->checked) {
    // The bytes at [check_from, check_to) may not have reached the disk
    // before a crash: each block there must still hash to its leaf node, or
    // it is dropped (row and bitfield bit) and downloaded again. Blocks
    // written since the open lie past check_to.
    struct Suspect {
      std::int64_t key;
      std::int64_t ref;
      std::optional<core::TreeNode> leaf;
    };
    std::vector<Suspect> suspects;
    db.end_read();
    HC_TRY(Transaction tx, begin());
    {
      Query q(file_blocks);
      q.bind_int(1, tree_begin(core)).bind_int(2, tree_end(core));
      while (true) {
        HC_TRY(bool row, q.step());
        if (!row) break;
        const std::int64_t ref = q.column(3).integer;
        if (ref >= 0 && (file_offset(ref) + file_length(ref) <= mark->check_from ||
                         file_offset(ref) >= mark->check_to)) {
          continue;
        }
        Suspect s{q.column(0).integer, ref, std::nullopt};
        const Value size = q.column(1);
        const Value hash = q.column(2);
        if (size.type == Type::integer && hash.type == Type::blob &&
            hash.bytes.size() == kHashBytes) {
          s.leaf.emplace();
          s.leaf->size = static_cast<std::uint64_t>(size.integer);
          std::copy(hash.bytes.begin(), hash.bytes.end(), s.leaf->hash.begin());
        }
        suspects.push_back(s);
      }
    }
    std::uint64_t lost = 0;
    for (const Suspect& s : suspects) {
      const std::optional<std::uint64_t> block = block_at(core, s.key);
      bool good = false;
      if (block && s.leaf && s.ref >= 0 && file_length(s.ref) == s.leaf->size) {
        auto bytes = files->read(core, file_offset(s.ref), file_length(s.ref));
        good = bytes && crypto::leaf_hash(*bytes) == s.leaf->hash;
      }
      if (good) continue;
      lost++;
      Query q(drop_file_block);
      HC_CHECK(q.bind_int(1, s.key).run());
      if (block) HC_CHECK(clear_bit(core, *block));
    }
    // Every row now points at bytes that are on disk (this thread wrote all
    // there is before the sync); new ones go past written.
    HC_TRY(std::uint64_t end, files->sync(core));
    (void)end;
    mark->checked = true;
    mark->synced = mark->written;
    unrecorded.insert(core);
    HC_CHECK(record_marks());
    HC_CHECK(tx.commit());
    if (lost > 0) {
      logger()->warn("{}: {} of {} blocks of core {} written before a crash did not reach the disk;"
                     " they will be downloaded again",
                     db.path().string(), lost, suspects.size(), core);
    } else {
      logger()->info("{}: {} blocks of core {} written before a crash were checked: all intact",
                     db.path().string(), suspects.size(), core);
    }
  }
  return {};
}

void SqliteStorage::Impl::close_files() {
  for (auto& [core, mark] : marks) {
    if (mark.written <= mark.synced) continue;
    auto end = files->sync(core);
    if (!end) continue;  // logged: checked at the next open
    mark.synced = std::max(mark.synced, std::min(*end, mark.written));
    unrecorded.insert(core);
  }
  db.end_read();
  auto tx = begin();
  if (!tx) return;
  if (record_marks()) (void)tx->commit();
}

// ---- SqliteStorage ----

std::filesystem::path SqliteStorage::journal_path(const std::filesystem::path& file) {
  return file.string() + "-appends";
}

std::filesystem::path SqliteStorage::block_dir(const std::filesystem::path& file) {
  return std::filesystem::path(file.string() + ".blocks");
}

SqliteStorage::SqliteStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStorage::~SqliteStorage() = default;

int SqliteStorage::schema_version() const { return impl_->schema_version; }

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const std::filesystem::path& file,
                                                           const Options& options) {
  HC_TRY(Database db, Database::open(file, options.create));
  sqlite3_busy_timeout(db.handle(), kBusyTimeoutMs);
  if (sqlite3_db_readonly(db.handle(), "main") == 1) {
    logger()->error("{}: the file cannot be written (permissions or a read-only mount)",
                    file.string());
    return Errc::read_only;
  }

  // Decide what the file is before anything can write to it: a file that is
  // not ours, or too new, is left byte for byte as it was.
  HC_TRY(FileState state, inspect(db));
  switch (state.kind) {
    case FileKind::foreign:
      logger()->error("{}: an SQLite database of another program (no hypercored id); not opened",
                      file.string());
      return Errc::foreign_database;
    case FileKind::ours:
      if (state.version > current_schema_version()) {
        logger()->error("{}: schema version {} is newer than this build's {}; upgrade hypercored",
                        file.string(), state.version, current_schema_version());
        return Errc::schema_too_new;
      }
      break;
    case FileKind::empty:
      HC_CHECK(db.exec("PRAGMA page_size = " + std::to_string(kPageSize)));
      break;
  }

  HC_TRY(std::string mode, db.query_text("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    logger()->error("{}: cannot use WAL mode (journal mode is {})", file.string(), mode);
    return Errc::io_error;
  }
  const bool full = options.durability == Durability::full;
  // NORMAL: a commit is in the WAL (the OS has it) when write() returns, so it
  // survives the process dying; FULL also syncs the WAL at each commit.
  HC_CHECK(db.exec(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  HC_CHECK(db.exec("PRAGMA cache_size = -" + std::to_string(kCacheKiB)));
  HC_CHECK(db.exec("PRAGMA journal_size_limit = " + std::to_string(kWalKeepBytes)));
  HC_CHECK(db.exec("PRAGMA mmap_size = " + std::to_string(kMmapBytes)));
  // Debian builds SQLite with SECURE_DELETE on: every new page is zeroed
  // twice and every replaced cell once, and freed pages are written as zeros.
  // Nothing we delete is secret (truncated blocks and old headers were public
  // to peers; secret keys are never deleted), so we skip it: 4% of the
  // instructions of a batch append, 1.5% of a single one.
  HC_CHECK(db.exec("PRAGMA secure_delete = OFF"));
  // Each write in a group (begin_group) is a savepoint, and a savepoint keeps
  // the old content of every page it changes in a statement journal, which
  // SQLite moves to a temporary file past 64 KiB: a group of 60 downloaded
  // blocks wrote the same few pages there 60 times. Kept in memory instead
  // (the journal holds only the pages of one group).
  HC_CHECK(db.exec("PRAGMA temp_store = MEMORY"));
  // cell_size_check stays OFF (the default): it checks every cell of a page
  // each time the page is parsed, which with mmap is every fetch, and made
  // small reads 4x slower. SQLite still refuses malformed pages (corrupt) when
  // it parses them; the check only reported some damage earlier.

  HC_TRY(int version, migrate(db, schema_migrations()));
  auto impl = std::make_unique<Impl>(std::move(db), version);
  HC_CHECK(impl->prepare());
  impl->files = std::make_unique<BlockFiles>(block_dir(file), options.block_file_sync_bytes);
  impl->file_min_bytes = options.block_file_min_bytes;
  impl->full_sync = full;
  HC_TRY(impl->checkpointer, Checkpointer::start(file, full, kCheckpointFrames));
  // Replaces SQLite's auto-checkpoint, which would run on this thread.
  sqlite3_wal_hook(impl->db.handle(), &Impl::on_commit, impl.get());
  // Also with durability full, which holds nothing: a run with durability
  // normal may have left appends there.
  HC_TRY(impl->journal, AppendJournal::open(journal_path(file)));
  if (impl->journal) HC_CHECK(impl->replay_journal());
  logger()->info("{}: opened (schema version {}, synchronous={})", file.string(), version,
                 full ? "FULL" : "NORMAL");
  return std::unique_ptr<SqliteStorage>(new SqliteStorage(std::move(impl)));
}

Result<core::CoreId> SqliteStorage::create_core(const core::CoreRecord& record) {
  HC_CHECK(check_tree(record.tree));
  Impl& m = *impl_;
  HC_TRY(Transaction tx, m.begin());
  {
    Query q(m.core_taken);
    q.bind_blob(1, record.key);
    if (record.name) q.bind_text(2, *record.name); else q.bind_null(2);
    HC_TRY(bool taken, q.step());
    if (taken) return core::Errc::core_exists;
  }
  const Bytes manifest = record.manifest ? core::encode_manifest(*record.manifest) : Bytes();
  {
    Query q(m.insert_core);
    q.bind_blob(1, record.key).bind_blob(2, record.discovery_key);
    if (record.name) q.bind_text(3, *record.name); else q.bind_null(3);
    if (record.manifest) q.bind_blob(4, manifest); else q.bind_null(4);
    if (record.secret_key) q.bind_blob(5, *record.secret_key); else q.bind_null(5);
    HC_CHECK(q.run());
  }
  const core::CoreId id = sqlite3_last_insert_rowid(m.db.handle());
  if (id < 1 || id > kMaxCoreId) {
    logger()->error("{}: core id {} is past the limit of {} cores", m.db.path().string(), id,
                    kMaxCoreId);
    return Errc::limit_exceeded;  // the transaction rolls back
  }
  {
    const Bytes roots = encode_roots(record.tree.roots);
    Query q(m.insert_header);
    HC_CHECK(q.bind_int(1, header_key(id))
                 .bind_int(2, static_cast<std::int64_t>(record.tree.fork))
                 .bind_int(3, static_cast<std::int64_t>(record.tree.length))
                 .bind_int(4, static_cast<std::int64_t>(record.tree.byte_length))
                 .bind_blob(5, roots)
                 .bind_blob(6, record.tree.signature)
                 .run());
  }
  HC_CHECK(tx.commit());
  m.known[id] = !record.secret_key;
  return id;
}

Result<std::optional<core::CoreRecord>> SqliteStorage::find_core(const Hash32& key) {
  return impl_->read_core(impl_->core_by_key, [&](Query& q) { q.bind_blob(1, key); });
}

Result<std::optional<core::CoreRecord>> SqliteStorage::find_named_core(std::string_view name) {
  return impl_->read_core(impl_->core_by_name, [&](Query& q) { q.bind_text(1, name); });
}

Result<std::optional<core::CoreRecord>> SqliteStorage::find_core_by_discovery_key(
    const Hash32& discovery_key) {
  return impl_->read_core(impl_->core_by_discovery_key,
                          [&](Query& q) { q.bind_blob(1, discovery_key); });
}

Result<std::vector<core::CoreRecord>> SqliteStorage::list_cores() {
  std::vector<core::CoreRecord> out;
  HC_CHECK(impl_->flush());
  impl_->db.end_read();
  Query q(impl_->all_cores);
  while (true) {
    HC_TRY(bool row, q.step());
    if (!row) break;
    HC_TRY(core::CoreRecord record, impl_->core_from(q));
    impl_->known[record.id] = !record.secret_key;
    out.push_back(std::move(record));
  }
  return out;
}

Result<std::vector<Hash32>> SqliteStorage::remote_core_keys() {
  std::vector<Hash32> out;
  impl_->db.end_read();  // the latest state, as list_cores
  Query q(impl_->remote_keys);
  while (true) {
    HC_TRY(bool row, q.step());
    if (!row) break;
    const Value id = q.column(0);
    const Value key = q.column(1);
    if (key.type != Type::blob || key.bytes.size() != kHashBytes) {
      return impl_->corrupt("key", id.type == Type::integer ? id.integer : 0);
    }
    Hash32& k = out.emplace_back();
    std::copy(key.bytes.begin(), key.bytes.end(), k.begin());
  }
  return out;
}

Result<std::uint64_t> SqliteStorage::count_cores() {
  impl_->db.end_read();
  // SQLite counts through the smallest index (the unique keys), so this reads
  // a few pages, not every core's row.
  HC_TRY(std::int64_t n, impl_->db.query_int("SELECT count(*) FROM cores"));
  return static_cast<std::uint64_t>(n);
}

Result<std::optional<core::TreeNode>> SqliteStorage::get_node(core::CoreId core,
                                                              std::uint64_t index) {
  HC_CHECK(impl_->ensure_core(core));
  if (!node_fits(index)) return std::optional<core::TreeNode>();  // never stored
  const std::int64_t key = node_key(core, index);
  if (auto known = impl_->nodes.find(key)) return *known;
  if (impl_->group_failure) return *impl_->group_failure;
  // A node held back in a group is in the cache, unless the cache dropped
  // it; nothing else pending changes what the table says of this one.
  if (const auto* row = impl_->pending.find(core, key); row && row->node) {
    return std::optional<core::TreeNode>(*row->node);
  }
  HC_CHECK(impl_->read_snapshot());
  Query q(impl_->get_node);
  q.bind_int(1, key);
  HC_TRY(bool found, q.step());
  const std::optional<core::TreeNode> missing;
  if (!found) {
    impl_->nodes.remember(key, missing);
    return missing;
  }
  const Value size = q.column(0);
  const Value hash = q.column(1);
  // A block's row whose leaf node is not stored.
  if (size.type == Type::null && hash.type == Type::null) {
    impl_->nodes.remember(key, missing);
    return missing;
  }
  if (size.type != Type::integer || hash.type != Type::blob || hash.bytes.size() != kHashBytes) {
    return impl_->corrupt("tree node " + std::to_string(index), core);
  }
  core::TreeNode node;
  node.index = index;
  node.size = static_cast<std::uint64_t>(size.integer);
  std::copy(hash.bytes.begin(), hash.bytes.end(), node.hash.begin());
  impl_->nodes.remember(key, node);
  return std::optional<core::TreeNode>(node);
}

Result<std::optional<Bytes>> SqliteStorage::get_block(core::CoreId core, std::uint64_t index) {
  HC_CHECK(impl_->ensure_core(core));
  if (index >= kMaxBlocks) return std::optional<Bytes>();  // never stored
  if (impl_->group_failure) return *impl_->group_failure;
  if (const auto* row = impl_->pending.find(core, block_key(core, index)); row) {
    if (row->file) return impl_->read_file_block(core, *row->file);
    if (row->data) return std::optional<Bytes>(*row->data);
  }
  if (const Bytes* block = impl_->recent.find(core, index)) return std::optional<Bytes>(*block);
  HC_CHECK(impl_->read_snapshot());
  Query q(impl_->get_block);
  q.bind_int(1, block_key(core, index));
  HC_TRY(bool found, q.step());
  if (!found) return std::optional<Bytes>();
  const Value data = q.column(0);
  const Value file = q.column(1);
  if (file.type == Type::integer) return impl_->read_file_block(core, file.integer);
  // A leaf node's row whose block is not stored.
  if (data.type == Type::null) return std::optional<Bytes>();
  if (data.type != Type::blob) return impl_->corrupt("block " + std::to_string(index), core);
  return std::optional<Bytes>(to_bytes(data.bytes));
}

Result<std::vector<core::BitfieldPage>> SqliteStorage::load_bitfield(core::CoreId core) {
  HC_CHECK(impl_->ensure_core(core));
  std::vector<core::BitfieldPage> out;
  HC_CHECK(impl_->flush());
  HC_CHECK(impl_->check_file_blocks(core));
  impl_->db.end_read();
  Query q(impl_->get_pages);
  q.bind_int(1, header_key(core)).bind_int(2, header_key(core + 1));
  while (true) {
    HC_TRY(bool row, q.step());
    if (!row) break;
    const Value key = q.column(0);
    const Value bits = q.column(1);
    const std::uint64_t page = page_of(core, key.integer);
    if (page >= kBitfieldPages || bits.type != Type::blob ||
        bits.bytes.size() != core::Bitfield::kPageBytes) {
      return impl_->corrupt("bitfield page", core);
    }
    out.push_back({page, to_bytes(bits.bytes)});
  }
  return out;
}

Status SqliteStorage::write(std::span<const core::CoreUpdate> updates) {
  if (updates.empty()) return {};
  if (impl_->group_failure) return *impl_->group_failure;
  if (!impl_->grouping) {
    if (impl_->holds(updates)) return impl_->hold(updates.front());
    HC_CHECK(impl_->flush());  // held appends go first
  } else {
    const bool mergeable = std::none_of(updates.begin(), updates.end(), [](const auto& u) {
      return u.truncate.has_value() || u.manifest.has_value();
    });
    if (mergeable) {
      // Held back and merged (pending_writes.hpp); checked now, so that only
      // SQLite itself can still fail it, which fails the group.
      for (const auto& u : updates) HC_CHECK(impl_->check(u));
      std::vector<std::optional<std::int64_t>>& refs = impl_->block_refs;
      for (const auto& u : updates) {
        refs.clear();
        for (const auto& block : u.blocks) refs.push_back(impl_->to_file(u.core, block.second));
        impl_->pending.add(u, refs);
        for (const auto& node : u.nodes) impl_->nodes.stage(node_key(u.core, node.index), node);
      }
      impl_->nodes.commit_staged();
      return {};
    }
    HC_CHECK(impl_->flush());  // what came before goes first
  }
  // The nodes it stores are known to the cache only if it commits.
  Status status = impl_->write(updates);
  if (status) impl_->nodes.commit_staged();
  else impl_->nodes.drop_staged();
  // In a group nothing is committed yet (the group may still roll back).
  if (status && !impl_->grouping) impl_->recent.keep(updates);
  return status;
}

Status SqliteStorage::Impl::write(std::span<const core::CoreUpdate> updates) {
  HC_TRY(Transaction tx, begin());
  // Each update is checked as it is applied; a failure anywhere returns
  // before COMMIT and the transaction's destructor rolls everything back.
  for (const auto& u : updates) HC_CHECK(apply(u));
  HC_CHECK(record_marks());
  return tx.commit();
}

Status SqliteStorage::settle() {
  if (impl_->grouping) return {};  // end_group() commits
  return impl_->flush();
}

Status SqliteStorage::begin_group() {
  if (impl_->grouping) return core::Errc::invalid_operation;  // groups do not nest
  HC_CHECK(impl_->flush());  // held appends commit on their own
  impl_->grouping = true;
  return {};
}

Status SqliteStorage::end_group() {
  if (!impl_->grouping) return {};
  const Status flushed = impl_->flush();
  std::optional<Transaction> tx = std::move(impl_->group);
  impl_->group.reset();
  impl_->grouping = false;
  impl_->group_failure.reset();
  // On failure tx rolls the whole group back (here, or as it goes).
  Status status = !flushed ? flushed : tx ? tx->commit() : Status{};
  if (!status) impl_->nodes.clear();  // it knew the group's nodes
  return status;
}

}  // namespace hc::storage
