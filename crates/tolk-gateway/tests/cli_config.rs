//! `tolk config`: the contract scripts rely on (output and exit codes).

use std::process::Command;

fn tolk(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tolk"))
        .args(args)
        .output()
        .expect("runs tolk");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_printed_default_checks_clean() {
    let (code, default, _) = tolk(&["config", "default"]);
    assert_eq!(code, 0);
    let dir = std::env::temp_dir().join(format!("tolk-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("default.toml");
    std::fs::write(&path, default).expect("write");
    let (code, stdout, stderr) = tolk(&["config", "check", path.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("config ok: 3 listener(s)"), "{stdout}");

    std::fs::write(&path, "[media]\naddress = \"127.0.0.1\"\nports = \"9-1\"\n").expect("write");
    let (code, stdout, stderr) = tolk(&["config", "check", path.to_str().expect("utf-8 path")]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("config error: "), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    let (code, _, stderr) = tolk(&["config", "check", "/nonexistent/tolk.toml"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot read"), "{stderr}");
}
