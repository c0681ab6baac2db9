#!/usr/bin/env bash
# Regenerates the jextract (FFM API) bindings for native/include/jpac.h into
#   bindings/src/main/java/org/jpac/internal/ffi/
#
# Needs `jextract` on PATH (or JEXTRACT=/path/to/jextract). See bindings/README.md.
#
# Environment overrides:
#   JEXTRACT             jextract executable to use          (default: `jextract` on PATH)
#   JPAC_CLANG_INCLUDE   clang builtin-header directory      (default: auto-detected
#                        /usr/lib/llvm-*/lib/clang/*/include, preferring the version
#                        of the libclang jextract runs on)
#   JPAC_JEXTRACT_ALL=1  do not filter: also emit the symbols of system headers
#                        (stdint.h, features.h, ...) that jpac.h pulls in
#
# No --library is passed on purpose: the generated JpacNative then resolves
# symbols through SymbolLookup.loaderLookup() (then the default lookup), so the
# Java side must System.load() libjpac from a class of the same class loader
# before touching JpacNative.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
HEADER="$REPO/native/include/jpac.h"
HEADER_DIR="$REPO/native/include"
OUT_ROOT="$SCRIPT_DIR/src/main/java"
PACKAGE=org.jpac.internal.ffi
PKG_DIR="$OUT_ROOT/${PACKAGE//.//}"
HEADER_CLASS=JpacNative

die() { echo "regenerate.sh: error: $*" >&2; exit 1; }

# --- jextract ------------------------------------------------------------------
JEXTRACT=${JEXTRACT:-$(command -v jextract || true)}
[[ -n "$JEXTRACT" && -x "$JEXTRACT" ]] || die "jextract not found on PATH (or JEXTRACT=... not executable).
  Build/install jextract (https://github.com/openjdk/jextract, see bindings/README.md for the
  revision used) and put its bin/ directory on PATH, e.g.
    PATH=/path/to/jextract/bin:\$PATH bindings/regenerate.sh"
[[ -f "$HEADER" ]] || die "header not found: $HEADER"

JEXTRACT_VERSION=$("$JEXTRACT" --version 2>&1) || die "'$JEXTRACT --version' failed:
$JEXTRACT_VERSION"

# --- clang builtin include dir (stddef.h, stdint.h wrappers, ...) -------------
if [[ -n "${JPAC_CLANG_INCLUDE:-}" ]]; then
    CLANG_INCLUDE=$JPAC_CLANG_INCLUDE
    [[ -d "$CLANG_INCLUDE" ]] || die "JPAC_CLANG_INCLUDE is not a directory: $CLANG_INCLUDE"
else
    CLANG_INCLUDE=
    # prefer the LLVM major version of the libclang that jextract reports
    major=$(printf '%s\n' "$JEXTRACT_VERSION" | sed -n 's/.*[Cc]lang version \([0-9][0-9]*\)\..*/\1/p' | head -n1)
    if [[ -n "$major" ]]; then
        CLANG_INCLUDE=$(ls -d /usr/lib/llvm-"$major"/lib/clang/*/include 2>/dev/null | sort -V | tail -n1 || true)
    fi
    if [[ -z "$CLANG_INCLUDE" ]]; then
        CLANG_INCLUDE=$(ls -d /usr/lib/llvm-*/lib/clang/*/include 2>/dev/null | sort -V | tail -n1 || true)
    fi
    [[ -n "$CLANG_INCLUDE" ]] || die "no clang include directory found (/usr/lib/llvm-*/lib/clang/*/include);
  install libclang-common-<N>-dev or set JPAC_CLANG_INCLUDE=/path/to/lib/clang/<N>/include"
fi

echo "jextract:      $JEXTRACT"
printf '%s\n' "$JEXTRACT_VERSION" | sed 's/^/               /'
echo "clang include: $CLANG_INCLUDE"

# Work in a scratch directory: jextract reads ./compile_flags.txt if present,
# and the old sources are only replaced once generation succeeded.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

COMMON_ARGS=(-I "$CLANG_INCLUDE" --target-package "$PACKAGE" --header-class-name "$HEADER_CLASS")

# --- restrict output to symbols declared in native/include/ --------------------
INCLUDES=()
if [[ "${JPAC_JEXTRACT_ALL:-0}" != 1 ]]; then
    "$JEXTRACT" "${COMMON_ARGS[@]}" --dump-includes "$WORK/all-includes.txt" "$HEADER" >/dev/null
    # lines look like: --include-function jpac_noop   # header: /abs/path/jpac.h
    grep -E "^--include-[a-z]+ +[A-Za-z_0-9]+ +# header: ${HEADER_DIR//./\\.}/" "$WORK/all-includes.txt" \
        | sed 's/ *#.*$//' | sort -u > "$WORK/includes.txt" || true
    [[ -s "$WORK/includes.txt" ]] || die "no symbols of $HEADER_DIR found in jextract --dump-includes output"
    INCLUDES=("@$WORK/includes.txt")
fi

# --- generate --------------------------------------------------------------------
"$JEXTRACT" "${COMMON_ARGS[@]}" --output "$WORK/out" "${INCLUDES[@]}" "$HEADER"

GEN_PKG="$WORK/out/${PACKAGE//.//}"
[[ -f "$GEN_PKG/$HEADER_CLASS.java" ]] || die "jextract produced no $HEADER_CLASS.java"
grep -q 'SymbolLookup.loaderLookup()' "$GEN_PKG/$HEADER_CLASS.java" \
    || die "generated $HEADER_CLASS does not use SymbolLookup.loaderLookup()"

# delete the old generated files, then install the new ones
rm -rf "$PKG_DIR"
mkdir -p "$(dirname "$PKG_DIR")"
cp -R "$GEN_PKG" "$PKG_DIR"

echo "generated $(find "$PKG_DIR" -name '*.java' | wc -l) files into ${PKG_DIR#"$REPO"/}:"
(cd "$PKG_DIR" && ls -1 *.java | sed 's/^/  /')
