#!/usr/bin/env python3
"""Checks, without a Docker engine, that everything the Dockerfile names exists.

usage: dockerfile_test.py <source dir> <build dir> <check>

<build dir> is a configured and built tree of this project. Checks:
  packages   every apt package of every stage is in the Debian 12 archive
  build-deps the build stage installs exactly scripts/install-deps.sh's packages
  libs       the runtime stage's packages provide every shared library that the
             installed binaries load (libc6, libgcc-s1, libstdc++6 come with
             debian:12-slim)
  install    `cmake --install` produces every path COPY --from=<build> names,
             and .dockerignore keeps local build trees out of the build context
  runtime    ENTRYPOINT and HEALTHCHECK run installed binaries, and the health
             check passes against the ENTRYPOINT daemon in the image's
             environment (moved under a temporary root) and fails once it
             stopped; USER is created by useradd; the data and socket
             directories belong to that user
"""
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

# In every debian:12-slim image already (apt itself depends on them).
SLIM_BASE = {"libc6", "libgcc-s1", "libstdc++6"}
# Linked only by a sanitizer build of the tests (HC_SANITIZE); the image
# builds without sanitizers.
SANITIZER_LIBS = re.compile(r"lib(asan|ubsan|lsan|tsan)\.so")
DEFAULT_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
SHELL_SEPARATORS = {"&&", "||", ";", "|"}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


# --- Dockerfile parsing ------------------------------------------------------

def parse_dockerfile(path):
    """Stages as [{"name", "base", "instructions": [(KEYWORD, args)]}]."""
    logical, current = [], ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.lstrip().startswith("#"):
                continue  # comments, also between continuation lines
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            current += line
            if current.strip():
                logical.append(current.strip())
            current = ""
    stages = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append({"name": name, "base": words[0], "instructions": []})
        elif stages:
            stages[-1]["instructions"].append((keyword, args))
    return stages


def commands(run_args):
    """The simple commands of a shell-form RUN, as token lists."""
    out, cmd = [], []
    for tok in shlex.split(run_args):
        if tok in SHELL_SEPARATORS:
            out.append(cmd)
            cmd = []
        else:
            cmd.append(tok)
    out.append(cmd)
    return [c for c in out if c]


def stage_commands(stage):
    return [c for k, a in stage["instructions"] if k == "RUN" for c in commands(a)]


def strip_env_assignments(cmd):
    while cmd and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", cmd[0]):
        cmd = cmd[1:]
    return cmd


def apt_packages(stage):
    pkgs = []
    for cmd in stage_commands(stage):
        cmd = strip_env_assignments(cmd)
        if cmd[:2] == ["apt-get", "install"]:
            pkgs += [t for t in cmd[2:] if not t.startswith("-")]
    return pkgs


def exec_argv(args):
    """argv of an exec-form (JSON array) or shell-form instruction."""
    return json.loads(args) if args.startswith("[") else shlex.split(args)


def env_of(stage):
    env = {}
    for keyword, args in stage["instructions"]:
        if keyword == "ENV":
            for tok in shlex.split(args):
                key, sep, value = tok.partition("=")
                if sep:
                    env[key] = value
    return env


def last(stage, keyword):
    found = [a for k, a in stage["instructions"] if k == keyword]
    return found[-1] if found else None


# --- checks ------------------------------------------------------------------

def check_packages(stages):
    lists = "/var/lib/apt/lists"
    if not any("Packages" in n for n in os.listdir(lists)):
        print("apt lists are empty: apt-get update")
        r = run(["apt-get", "update", "-qq"])
        if r.returncode != 0:
            fail("apt-get update failed: " + r.stderr.strip())
            return
    for stage in stages:
        pkgs = apt_packages(stage)
        if not pkgs:
            fail(f"stage {stage['name'] or stage['base']} installs no apt packages")
        for pkg in pkgs:
            # madison lists archive versions only, not what dpkg has installed.
            r = run(["apt-cache", "madison", pkg])
            if not re.search(r"\| \S+ bookworm(-\S+)?/\S+ \S+ Packages", r.stdout):
                fail(f"{pkg} (stage {stage['base']}) is not in the Debian 12 archive")
    for stage in stages:
        if not re.fullmatch(r"debian:(12|bookworm)(-slim)?", stage["base"]):
            fail(f"base image {stage['base']} is not Debian 12")


def check_build_deps(src, build_stage):
    with open(os.path.join(src, "scripts/install-deps.sh")) as f:
        m = re.search(r"^packages=\(([^)]*)\)", f.read(), re.M)
    if not m:
        fail("no packages=(...) in scripts/install-deps.sh")
        return
    wanted = set(m.group(1).split())
    have = set(apt_packages(build_stage))
    if wanted != have:
        fail(f"build stage packages differ from install-deps.sh: only in Dockerfile "
             f"{sorted(have - wanted)}, only in install-deps.sh {sorted(wanted - have)}")


def owning_package(lib):
    """The package that ships `lib`, trying its usrmerge spellings."""
    real = os.path.realpath(lib)
    candidates = [lib, real]
    for p in (lib, real):
        candidates.append(p[4:] if p.startswith("/usr/") else "/usr" + p)
    for c in candidates:
        r = run(["dpkg", "-S", c])
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


def check_libs(binaries, runtime_stage):
    runtime = set(apt_packages(runtime_stage)) | SLIM_BASE
    for binary in binaries:
        r = run(["ldd", binary])
        if r.returncode != 0:
            fail(f"ldd {binary}: {r.stderr.strip()}")
            continue
        for m in re.finditer(r"^\s*(\S+) => (\S+)", r.stdout, re.M):
            soname, path = m.groups()
            if SANITIZER_LIBS.match(soname):
                continue
            if path == "not":
                fail(f"{binary}: {soname} not found")
                continue
            pkg = owning_package(path)
            if pkg is None:
                fail(f"{binary}: no Debian package ships {path}")
            elif pkg not in runtime:
                fail(f"{binary} needs {soname} from {pkg}, which the runtime stage lacks")
            else:
                print(f"{os.path.basename(binary)}: {soname} <- {pkg}")


def check_install(src, build, stages, build_stage, prefix_dir):
    """Returns the paths the image gets from COPY --from=<build stage>."""
    install_cmds = [c for c in stage_commands(build_stage) if c[:2] == ["cmake", "--install"]]
    if len(install_cmds) != 1 or "--prefix" not in install_cmds[0]:
        fail("the build stage needs one `cmake --install <dir> --prefix <dir>`")
        return {}
    cmd = install_cmds[0]
    prefix = cmd[cmd.index("--prefix") + 1].rstrip("/")
    r = run(["cmake", "--install", build, "--prefix", prefix_dir])
    if r.returncode != 0:
        fail("cmake --install failed: " + r.stderr.strip())
        return {}

    image_files = {}
    runtime = stages[-1]
    for keyword, args in runtime["instructions"]:
        if keyword != "COPY" or not args.startswith("--from="):
            continue
        words = args.split()
        origin, sources, dest = words[0][len("--from="):], words[1:-1], words[-1]
        if origin != build_stage["name"]:
            fail(f"COPY from unknown stage {origin}")
            continue
        if len(sources) > 1 and not dest.endswith("/"):
            fail(f"COPY of several files to {dest}, which does not end in /")
        for source in sources:
            if not source.startswith(prefix + "/"):
                fail(f"COPY source {source} is outside the install prefix {prefix}")
                continue
            local = os.path.join(prefix_dir, source[len(prefix) + 1:])
            if not os.path.exists(local):
                fail(f"cmake --install does not produce {source}")
                continue
            target = os.path.join(dest, os.path.basename(source.rstrip("/")))
            image_files[target if dest.endswith("/") else dest] = local
            print(f"COPY {source} -> {target}: installed")

    # -B <dir> in the build stage must not arrive from the host's tree.
    b_dirs = [c[c.index("-B") + 1] for c in stage_commands(build_stage) if "-B" in c]
    ignore_path = os.path.join(src, ".dockerignore")
    patterns = []
    if os.path.exists(ignore_path):
        with open(ignore_path) as f:
            patterns = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    for d in b_dirs:
        if not any(fnmatch.fnmatch(d.rstrip("/"), p.rstrip("/")) for p in patterns):
            fail(f".dockerignore does not exclude the build directory {d}: a host "
                 f"CMakeCache.txt in it would break the image build")
    return image_files


def resolve(argv0, image_files):
    """The local copy of the image file that argv0 runs, or None."""
    if argv0.startswith("/"):
        return image_files.get(argv0)
    for d in DEFAULT_PATH:
        if os.path.join(d, argv0) in image_files:
            return image_files[os.path.join(d, argv0)]
    return None


def check_health_against_daemon(runtime_stage, image_files, entry, health):
    """Runs ENTRYPOINT and HEALTHCHECK as the image would, under a temporary
    root: each absolute ENV value and the user's home are moved below it, and
    XDG_* are unset as in the image. The check must pass while the daemon runs
    and fail once it stopped."""
    with tempfile.TemporaryDirectory(prefix="hc-image-") as root:
        run_as_image(runtime_stage, image_files, entry, health, root)


def run_as_image(runtime_stage, image_files, entry, health, root):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "HYPERCORED_"))}
    for key, value in env_of(runtime_stage).items():
        env[key] = root + value if value.startswith("/") else value
    for cmd in stage_commands(runtime_stage):
        if cmd[0] == "useradd" and "--home" in cmd:
            env["HOME"] = root + cmd[cmd.index("--home") + 1]
        if cmd[0] == "mkdir":
            for d in cmd[1:]:
                if not d.startswith("-"):
                    os.makedirs(root + d, exist_ok=True)
    log = open(os.path.join(root, "daemon.log"), "w+")
    daemon = subprocess.Popen([resolve(entry[0], image_files)] + entry[1:], env=env,
                              stdout=log, stderr=log)
    health_cmd = [resolve(health[0], image_files)] + health[1:]
    try:
        for _ in range(200):  # up to 10 s for the daemon to listen
            r = run(health_cmd, env=env)
            if r.returncode == 0 or daemon.poll() is not None:
                break
            time.sleep(0.05)
        if r.returncode != 0:
            log.seek(0)
            fail(f"HEALTHCHECK {health} fails against the running ENTRYPOINT: "
                 f"{r.stdout.strip()} {r.stderr.strip()}\ndaemon log:\n{log.read()}")
        daemon.terminate()
        daemon.wait(timeout=10)
        if run(health_cmd, env=env).returncode == 0:
            fail(f"HEALTHCHECK {health} passes with the daemon stopped")
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        log.close()


def check_runtime(runtime_stage, image_files):
    entry = last(runtime_stage, "ENTRYPOINT")
    if entry is None:
        fail("no ENTRYPOINT")
    elif resolve(exec_argv(entry)[0], image_files) is None:
        fail(f"ENTRYPOINT {exec_argv(entry)[0]} is not an installed binary")

    health = last(runtime_stage, "HEALTHCHECK")
    if health is None:
        fail("no HEALTHCHECK")
    else:
        m = re.search(r"(?:^|\s)CMD\s+(.*)$", health)
        argv = exec_argv(m.group(1)) if m else []
        local = resolve(argv[0], image_files) if argv else None
        if local is None:
            fail(f"HEALTHCHECK command {argv[:1]} is not an installed binary")
        elif entry is not None and resolve(exec_argv(entry)[0], image_files):
            check_health_against_daemon(runtime_stage, image_files, exec_argv(entry), argv)

    cmds = stage_commands(runtime_stage)
    user = last(runtime_stage, "USER")
    created = [c[-1] for c in cmds if c[0] == "useradd"]
    if user is None:
        fail("no USER: the daemon would run as root")
        return
    if user not in created:
        fail(f"USER {user} is not created by a useradd line (useradd creates {created})")

    env = env_of(runtime_stage)
    if "HYPERCORED_SOCKET" not in env:
        fail("ENV HYPERCORED_SOCKET is not set: corectl's default (from HOME) and the "
             "daemon's (from the data dir) differ in the image")
    owned = {t.rstrip("/") for c in cmds if c[0] == "chown" for t in c[2:]
             if c[1] in (f"{user}:{user}", user)}
    made = {t.rstrip("/") for c in cmds if c[0] == "mkdir" for t in c[1:] if not t.startswith("-")}
    for what, d in (("data directory", env.get("HYPERCORED_DATA_DIR")),
                    ("socket directory", os.path.dirname(env.get("HYPERCORED_SOCKET", "")))):
        if not d:
            fail(f"no {what} set by ENV")
        elif d not in made or d not in owned:
            fail(f"{what} {d} is not made by mkdir and given to {user} by chown")


def main():
    src, build, check = sys.argv[1:4]
    stages = parse_dockerfile(os.path.join(src, "Dockerfile"))
    if len(stages) != 2 or not stages[0]["name"]:
        fail("expected two stages, the first named (FROM ... AS build)")
        return 1
    build_stage, runtime_stage = stages
    tmp = tempfile.mkdtemp(prefix="hc-docker-")
    try:
        if check == "packages":
            check_packages(stages)
        elif check == "build-deps":
            check_build_deps(src, build_stage)
        else:
            image_files = check_install(src, build, stages, build_stage, tmp)
            if check == "libs":
                check_libs(sorted(image_files.values()), runtime_stage)
                if not image_files:
                    fail("no binaries copied into the image")
            elif check == "runtime":
                check_runtime(runtime_stage, image_files)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
