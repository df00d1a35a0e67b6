//! A tansu broker (a Kafka-protocol broker in Rust, memory storage) started for a test or a run
//! and stopped when dropped. It listens and advertises on loopback only, on a port chosen free.
//!
//! The binary is found in `RFC3535_TANSU`, else as `tansu` on the `PATH`
//! (`scripts/setup-test-env` installs it).

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running broker; killed on drop.
#[derive(Debug)]
pub struct Tansu {
    child: Child,
    address: SocketAddr,
}

/// The broker could not be started.
#[derive(Debug, thiserror::Error)]
pub enum TansuError {
    #[error("no tansu binary: set RFC3535_TANSU or put tansu on the PATH (scripts/setup-test-env installs it)")]
    NotFound,
    #[error("starting {binary}: {source}")]
    Spawn {
        binary: String,
        source: std::io::Error,
    },
    #[error("tansu did not listen on {address} within {waited:?}")]
    NotReady {
        address: SocketAddr,
        waited: Duration,
    },
    #[error("no free loopback port: {0}")]
    Port(std::io::Error),
}

/// The tansu binary to run.
pub fn binary() -> Result<PathBuf, TansuError> {
    if let Some(path) = std::env::var_os("RFC3535_TANSU") {
        return Ok(PathBuf::from(path));
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("tansu"))
        .find(|candidate| candidate.is_file())
        .ok_or(TansuError::NotFound)
}

impl Tansu {
    /// Starts a broker with memory storage on a free loopback port and waits until it accepts
    /// connections (at most ten seconds).
    pub fn start() -> Result<Tansu, TansuError> {
        let binary = binary()?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .map_err(TansuError::Port)?
            .port();
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let url = format!("tcp://{address}");
        let child = Command::new(&binary)
            .arg("broker")
            .args(["--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| TansuError::Spawn {
                binary: binary.display().to_string(),
                source,
            })?;
        let broker = Tansu { child, address };
        let waited = Duration::from_secs(10);
        let started = Instant::now();
        while started.elapsed() < waited {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(broker);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(TansuError::NotReady { address, waited })
    }

    /// The `host:port` clients bootstrap from.
    pub fn bootstrap(&self) -> String {
        self.address.to_string()
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
