#!/usr/bin/env bash
# The compile-time cost of the macros: a generated crate with 50 linkables and 50 links against
# the same crate with the links removed, and the crate with links plus 50 typed queries (a
# selection through a link, with a filter and an order through it) against the one without. Reports the extra `cargo check` and `cargo build` time
# of the crate itself (its dependencies built beforehand) and the size of the expanded code.
#
#   bash tests/benches/compile_time.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$root/target/compile-bench"
export CARGO_TARGET_DIR="$work/target"
mkdir -p "$work"

generate() { # dir with_links [with_queries]
    local dir="$1" with_links="$2" with_queries="${3:-no}"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "$(basename "$dir")"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
link-runtime = { path = "$root/link-runtime" }

[workspace]
TOML
    cp "$root/Cargo.lock" "$dir/Cargo.lock"
    {
        echo "#![allow(dead_code)]"
        for i in $(seq 0 49); do
            cat <<RS
pub mod m$i {
    use link_runtime::{Linkable, sea_orm};
    use link_runtime::sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Linkable)]
    #[sea_orm(table_name = "m$i")]
    #[linkable(module = "mod$i")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub deleted_at: Option<DateTimeUtc>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}
RS
        done
        if [ "$with_links" = yes ]; then
            for i in $(seq 0 49); do
                j=$(( (i + 1) % 50 ))
                echo "link_runtime::define_link! { pub L$i: m$i::Model [is_list] => m$j::Model [filterable(name)], extra_columns { weight: i32 = 0, note: Option<String> } }"
            done
        fi
        if [ "$with_queries" = yes ]; then
            for i in $(seq 0 49); do
                j=$(( (i + 1) % 50 ))
                cat <<RS
pub mod q$i {
    use link_runtime::{Selection, query};
    #[derive(Selection)]
    #[selection(model = super::m$j::Model)]
    pub struct Other { pub id: String, pub name: String }
    #[derive(Selection)]
    #[selection(model = super::m$i::Model)]
    pub struct Card { pub id: String, pub name: String, #[selection(link)] pub m$j: Option<Other> }
    pub fn q(name: &str) -> link_runtime::query::Query<Card> {
        query!(Card, filter = m$j.name == name && name.like("a%"), order = [m$j.name, name.desc()])
    }
}
RS
            done
        fi
    } > "$dir/src/lib.rs"
}

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); printf '%.2f' "$(echo "$end - $start" | bc)"; }

# The median of RUNS (default 5) timings of `cargo <command>` after touching the crate: one run
# moves by up to a second on a 2-core machine.
median_of() { # dir command
    local dir="$1" command="$2" times=()
    for _ in $(seq "${RUNS:-5}"); do
        touch "$dir/src/lib.rs"
        times+=("$(cd "$dir" && seconds cargo "$command")")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}

measure() { # dir
    local dir="$1"
    (cd "$dir" && cargo build -q && cargo check -q)   # dependencies, once
    local check build size
    check=$(median_of "$dir" check)
    build=$(median_of "$dir" build)
    size=$(cd "$dir" && RUSTC_BOOTSTRAP=1 cargo rustc -q --lib -- -Zunpretty=expanded 2>/dev/null | wc -c)
    echo "$check $build $size"
}

generate "$work/with_links" yes
generate "$work/without_links" no
generate "$work/with_queries" yes yes
read -r wc wb ws < <(measure "$work/with_links")
read -r nc nb ns < <(measure "$work/without_links")
read -r qc qb qs < <(measure "$work/with_queries")
echo "| crate | cargo check | cargo build | expanded code |"
echo "|---|---|---|---|"
echo "| 50 linkables, no links | ${nc} s | ${nb} s | $(( ns / 1024 )) KiB |"
echo "| 50 linkables, 50 links | ${wc} s | ${wb} s | $(( ws / 1024 )) KiB |"
echo "| extra for 50 links | $(printf '%.2f' "$(echo "$wc - $nc" | bc)") s | $(printf '%.2f' "$(echo "$wb - $nb" | bc)") s | $(( (ws - ns) / 1024 )) KiB |"
echo "| 50 links and 50 typed queries | ${qc} s | ${qb} s | $(( qs / 1024 )) KiB |"
echo "| extra for 50 typed queries | $(printf '%.2f' "$(echo "$qc - $wc" | bc)") s | $(printf '%.2f' "$(echo "$qb - $wb" | bc)") s | $(( (qs - ws) / 1024 )) KiB |"
