//! The `handgrad` command (see the crate's `process` module).

fn main() -> std::process::ExitCode {
    handgrad::main()
}
