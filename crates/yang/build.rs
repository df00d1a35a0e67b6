//! libyang's bundled build picks up xxhash when the machine has it (Debian's libxxhash-dev),
//! but the sys crate does not link it; without this line linking fails on `XXH3_64bits`.
fn main() {
    if std::path::Path::new("/usr/include/xxhash.h").exists() {
        println!("cargo:rustc-link-lib=xxhash");
    }
}
