// migrations/ is embedded by refinery's macro, which cargo cannot see: rebuild when it changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations-postgres");
}
