# Sourced by the benchmark scripts (from the repository root): where the raw output goes, the build
# with the test classpath, and the pickers of a side's figures from its key=value lines.
OUT=${OUT:-target/bench}
mkdir -p "$OUT"

# Compiles main and test classes and sets CP to run the test-scope benchmark programs.
build_classpath() {
  echo "== build"
  ./mvnw -B -q test-compile
  ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=test >/dev/null
  CP="target/test-classes:target/classes:$(cat "$OUT/classpath.txt")"
}

# best KEY FILE / least KEY FILE: the largest / smallest value of KEY=… lines in FILE.
best() { grep "^$1=" "$2" | cut -d= -f2 | sort -g | tail -1; }
least() { grep "^$1=" "$2" | cut -d= -f2 | sort -g | head -1; }
