#!/usr/bin/env bash
# Tests bin/adsml, the operators' launcher: mostly with ADSML_LAUNCHER_DRY_RUN=1 (it prints the
# java command, one shell-quoted argument per line, and starts nothing) and with a fake java that
# records its arguments; then, if the jar is built, one real `bin/adsml world` run.
#   tests/launcher-test.sh
# Prints each check, then "N passed, M failed"; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
launcher=$root/bin/adsml
options_file=$root/bin/jvm.options
real_jar=$root/http-api/target/adsml.jar

passed=0
failed=0
# CONDITION; verdict NAME [FILE...]: counts the condition's exit status as NAME's outcome, and
# on failure shows the FILEs (the last command's output). Nothing may run between the two: any
# other command, a $(...) among verdict's arguments included, would replace the status.
verdict() {
    local status=$?
    if [ "$status" = 0 ]; then
        passed=$((passed + 1))
        echo "ok    $1"
    else
        failed=$((failed + 1))
        echo "FAIL  $1"
        shift
        if [ $# -gt 0 ]; then cat "$@" 2>&1 | sed 's/^/        /'; fi
    fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A stand-in jar, so that the dry runs do not depend on a build, and THP mode files.
fake_jar=$tmp/adsml.jar
: >"$fake_jar"
printf 'always [madvise] never\n' >"$tmp/thp-madvise"
printf 'always madvise [never]\n' >"$tmp/thp-never"

# fake_jdk VERSION: makes $tmp/jdkVERSION, a JAVA_HOME whose `java -version` prints VERSION the
# way OpenJDK does; run otherwise, it writes its arguments one per line to args, its pid to pid.
fake_jdk() {
    local home=$tmp/jdk$1
    mkdir -p "$home/bin"
    cat >"$home/bin/java" <<EOF
#!/usr/bin/env bash
if [ "\${1:-}" = -version ]; then
    echo 'openjdk version "$1" 2025-04-15' >&2
    exit 0
fi
echo "\$\$" >"$home/pid"
printf '%s\n' "\$@" >"$home/args"
EOF
    chmod +x "$home/bin/java"
}

# dry [VAR=VALUE...] -- ARGS...: the launcher's dry run, stdout in $tmp/out, stderr in $tmp/err,
# exit status in $rc; with the stand-in jar and THP in madvise mode unless VARs say otherwise.
dry() {
    local vars=()
    while [ "$1" != -- ]; do
        vars+=("$1")
        shift
    done
    shift
    rc=0
    env ADSML_LAUNCHER_DRY_RUN=1 ADSML_JAR="$fake_jar" ADSML_THP_FILE="$tmp/thp-madvise" \
        ${vars[@]+"${vars[@]}"} "$launcher" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# position LINE: the first line number of $tmp/out that is exactly LINE (empty if none).
position() {
    grep -n -x -F -- "$1" "$tmp/out" | head -1 | cut -d: -f1
}
# q ARG: ARG shell-quoted, as the dry run prints it.
q() {
    printf '%q' "$1"
}
# lines FROM TO: lines FROM to TO of $tmp/out joined by spaces.
lines() {
    sed -n "$1,$2p" "$tmp/out" | paste -sd' ' -
}

# The options bin/jvm.options holds, read independently of the launcher: as they are, and quoted
# as the dry run prints them.
options=()
expected=()
while IFS= read -r line; do
    options+=("$line")
    expected+=("$(q "$line")")
done < <(sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$options_file" | grep -v -e '^#' -e '^$')

echo "== dry runs (ADSML_LAUNCHER_DRY_RUN=1)"
[ -x "$launcher" ]; verdict "bin/adsml is executable"
[ "${#expected[@]}" -gt 0 ]; verdict "bin/jvm.options holds options (${#expected[@]})"

dry -- world --out "/tmp/a dir"
[ "$rc" = 0 ]; verdict "the dry run exits 0" "$tmp/err"
[ "$(basename "$(head -1 "$tmp/out")")" = java ]; verdict "the command starts with java"
[ "$(tail -5 "$tmp/out" | paste -sd' ' -)" = "-jar $(q "$fake_jar") world --out $(q "/tmp/a dir")" ]
verdict "it ends with -jar JAR and the arguments as given" "$tmp/out"
jar_at=$(position -jar)
previous=1
in_order=0
missing=
for option in "${expected[@]}"; do
    at=$(position "$option")
    if [ -z "$at" ]; then
        missing="$missing $option"
    elif [ "$at" -le "$previous" ] || [ "$at" -ge "${jar_at:-0}" ]; then
        in_order=1
    else
        previous=$at
    fi
done
echo "missing:$missing" >"$tmp/missing"
[ -z "$missing" ]; verdict "every option of bin/jvm.options is in the command" "$tmp/missing"
[ "$in_order" = 0 ]; verdict "in the file's order, between java and -jar"
[ "$((jar_at - 2))" = "${#expected[@]}" ]; verdict "nothing else between java and -jar" "$tmp/out"
! grep -q -e '#' -e '^$' -e '^\\#' "$tmp/out"; verdict "no comment and no blank line in the command"

# Run from a folder holding a file that the option would name as a glob.
mkdir "$tmp/glob"
: >"$tmp/glob/-Dadsml.x=file"
(cd "$tmp/glob" && dry ADSML_JAVA_OPTS="  -Xmx1g   -Dadsml.x=*  " -- serve && echo "$rc" >"$tmp/rc")
rc=$(cat "$tmp/rc")
file_last=$(position "${expected[${#expected[@]} - 1]}")
extra_at=$(position -Xmx1g)
[ -n "$extra_at" ] && [ "$(position "$(q '-Dadsml.x=*')")" = "$((extra_at + 1))" ]
verdict "ADSML_JAVA_OPTS is in the command, split on whitespace, not globbed" "$tmp/out"
[ -n "$extra_at" ] && [ "$extra_at" -gt "$file_last" ] && [ "$(position -jar)" = "$((extra_at + 2))" ]
verdict "ADSML_JAVA_OPTS comes after the file's options (so it overrides them) and before -jar"

cat >"$tmp/custom.options" <<'EOF'
# a comment

   -Xmx2g   
	# an indented comment
-Dspaced=a b
EOF
printf -- '-XX:+UseTransparentHugePages\r\n-Dlast=no-newline' >>"$tmp/custom.options"
dry ADSML_JVM_OPTIONS="$tmp/custom.options" -- eval
[ "$(lines 2 6)" = "-Xmx2g $(q '-Dspaced=a b') -XX:+UseTransparentHugePages -Dlast=no-newline -jar" ]
verdict "ADSML_JVM_OPTIONS is read instead: blanks trimmed, a line is one option, CRLF and no final newline" "$tmp/out"

dry ADSML_JVM_OPTIONS="$tmp/custom.options" ADSML_THP_FILE="$tmp/thp-never" -- eval
[ "$(lines 2 5)" = "-Xmx2g $(q '-Dspaced=a b') -Dlast=no-newline -jar" ]
verdict "THP [never]: -XX:+UseTransparentHugePages is left out, the rest kept" "$tmp/out"
grep -q 'UseTransparentHugePages.*never' "$tmp/err"; verdict "... and the dry run says so on stderr"

dry ADSML_JVM_OPTIONS=/nonexistent -- serve
[ "$rc" != 0 ]; verdict "ADSML_JVM_OPTIONS=/nonexistent fails"
[ "$(grep -c '^adsml: .*/nonexistent' "$tmp/err")" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ]
verdict "... with one line naming the file" "$tmp/err"

printf -- '-Xmx1g\nXmx2g\n' >"$tmp/bad.options"
dry ADSML_JVM_OPTIONS="$tmp/bad.options" -- serve
[ "$rc" != 0 ] && grep -q "bad.options:2" "$tmp/err"
verdict "a line that is not an option fails, naming the file and the line" "$tmp/err"

dry ADSML_JAR=/nonexistent.jar -- serve
[ "$rc" != 0 ]; verdict "ADSML_JAR=/nonexistent.jar fails"
[ "$(grep -c '/nonexistent.jar.*mvn -q -DskipTests package' "$tmp/err")" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ]
verdict "... with one line naming the jar and the build command" "$tmp/err"

dry JAVA_HOME=/nonexistent-jdk -- serve
[ "$rc" != 0 ] && grep -q /nonexistent-jdk/bin/java "$tmp/err"
verdict "a JAVA_HOME without bin/java fails, naming it" "$tmp/err"

fake_jdk 11.0.2
dry JAVA_HOME="$tmp/jdk11.0.2" -- serve
[ "$rc" != 0 ] && grep -q '11.0.2.*17 or newer' "$tmp/err"
verdict "Java 11 is refused: 17 or newer is needed" "$tmp/err"
fake_jdk 1.8.0_392
dry JAVA_HOME="$tmp/jdk1.8.0_392" -- serve
[ "$rc" != 0 ] && grep -q '17 or newer' "$tmp/err"; verdict "Java 1.8 is refused" "$tmp/err"

mkdir "$tmp/nojava"
ln -s "$(command -v dirname)" "$tmp/nojava/dirname"
rc=0
env -u JAVA_HOME PATH="$tmp/nojava" ADSML_LAUNCHER_DRY_RUN=1 ADSML_JAR="$fake_jar" "$BASH" "$launcher" serve \
    >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" != 0 ] && grep -q 'no java found' "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ]
verdict "no JAVA_HOME and no java on the PATH fails with one line" "$tmp/err"

fake_jdk 21.0.1
jdk21=$tmp/jdk21.0.1
dry JAVA_HOME="$jdk21" -- serve
[ "$rc" = 0 ] && [ "$(head -1 "$tmp/out")" = "$(q "$jdk21/bin/java")" ]
verdict "JAVA_HOME's java is the one run (Java 21 accepted)" "$tmp/out" "$tmp/err"
[ ! -e "$jdk21/args" ]; verdict "the dry run starts no java"

mkdir -p "$tmp/elsewhere/bin"
ln -s "$launcher" "$tmp/elsewhere/bin/adsml-link"
ln -s "$tmp/elsewhere/bin/adsml-link" "$tmp/adsml-link2"
(cd "$tmp" && env -u ADSML_JAR ADSML_LAUNCHER_DRY_RUN=1 ./adsml-link2 serve >"$tmp/out" 2>"$tmp/err")
grep -q -F "$real_jar" "$tmp/out" "$tmp/err"
verdict "through two symlinks, from another folder, it finds the repository's jar" "$tmp/out" "$tmp/err"
if [ -f "$real_jar" ]; then
    [ -n "$(position "${expected[0]}")" ]; verdict "... and bin/jvm.options"
fi

echo "== runs"
rc=0
env ADSML_JAR="$fake_jar" JAVA_HOME="$jdk21" ADSML_THP_FILE="$tmp/thp-madvise" \
    "$launcher" world --out "/tmp/a dir" --seed '*' >"$tmp/out" 2>"$tmp/err" &
launcher_pid=$!
wait "$launcher_pid" || rc=$?
[ "$rc" = 0 ] && [ "$(head -"${#expected[@]}" "$jdk21/args" | paste -sd' ' -)" = "${options[*]}" ] \
    && [ "$(tail -7 "$jdk21/args" | paste -sd'|' -)" = "-jar|$fake_jar|world|--out|/tmp/a dir|--seed|*" ]
verdict "without the dry run, java gets the options, -jar JAR and the arguments as given" "$jdk21/args" "$tmp/err"
echo "launcher $launcher_pid, java $(cat "$jdk21/pid")" >"$tmp/pids"
[ "$(cat "$jdk21/pid")" = "$launcher_pid" ]
verdict "... through exec: java has the launcher's pid, so signals reach it" "$tmp/pids"

if [ -f "$real_jar" ]; then
    world=$(mktemp -d)
    rc=0
    "$launcher" world --out "$world/world" --seed 1 --ads 10 --users 10 --train 10 --heldout 10 \
        >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" = 0 ] && [ -f "$world/world/world.json" ] && grep -q "world written to $world/world" "$tmp/out"
    verdict "bin/adsml world --out DIR --seed 1 --ads 10 --users 10 --train 10 --heldout 10 runs the jar, exit 0" \
        "$tmp/out" "$tmp/err"
    ! grep -qi 'warning' "$tmp/err"; verdict "... and the JVM warns about none of the options" "$tmp/err"
    rm -rf "$world"
else
    echo "skip  the real run: no $real_jar (build it with: mvn -q -DskipTests package)"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
