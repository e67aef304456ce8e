#!/usr/bin/env bash
# Starts or stops the throwaway test Neo4j (see Neo4jLauncher.java).
#   neo4j.sh start   build the launcher if needed, start Neo4j, return once Bolt accepts connections
#   neo4j.sh stop    stop it; its database is deleted
# Environment: NEO4J_PORT (default 7687), NEO4J_HEAP (default 4g), NEO4J_PAGECACHE_MB (default 512).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="$here/.run"
pidfile="$state/neo4j.pid"
log="$state/neo4j.log"
port="${NEO4J_PORT:-7687}"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

bolt_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

start() {
  if running; then
    echo "neo4j: already running (pid $(cat "$pidfile")) on bolt://127.0.0.1:$port"
    return 0
  fi
  if bolt_open; then
    echo "neo4j: port $port is taken by another process; stop it or set NEO4J_PORT" >&2
    return 1
  fi
  if [ ! -f "$here/target/classpath.txt" ] || [ "$here/pom.xml" -nt "$here/target/classpath.txt" ] \
     || [ -n "$(find "$here/src" -newer "$here/target/classpath.txt" -type f 2>/dev/null)" ]; then
    echo "neo4j: building the launcher (first run downloads Neo4j from Maven Central into ~/.m2)"
    mvn -q -B -f "$here/pom.xml" package -DskipTests
  fi
  mkdir -p "$state"
  nohup java -Xms512m -Xmx"${NEO4J_HEAP:-4g}" -XX:+UseG1GC \
    -Dbolt.port="$port" -Dpagecache.mb="${NEO4J_PAGECACHE_MB:-512}" \
    -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
    aimsgraph.launcher.Neo4jLauncher >"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 360); do
    if ! running; then
      echo "neo4j: failed to start; last lines of $log:" >&2
      tail -n 30 "$log" >&2
      rm -f "$pidfile"
      return 1
    fi
    if grep -q '^READY' "$log" && bolt_open; then
      echo "neo4j: ready on bolt://127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"
      return 0
    fi
    sleep 0.5
  done
  echo "neo4j: not ready after 180 s; see $log" >&2
  stop
  return 1
}

stop() {
  if ! running; then
    rm -f "$pidfile"
    echo "neo4j: not running"
    return 0
  fi
  pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "neo4j: stopped"; return 0; }
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "neo4j: killed after 60 s"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
