//! Remote devices through Burn's remote backend over WebSocket (the `remote` feature): a
//! device called `ws://HOST:PORT` runs a command's tensor operations on the server at that
//! address, while this process keeps the autodiff graph; [`serve`] hosts one of this
//! machine's devices for such clients. Without the feature both refuse with one line.

#[cfg(feature = "remote")]
pub use enabled::{connect, serve};

#[cfg(not(feature = "remote"))]
pub use disabled::{connect, serve};

/// How a remote device's name begins: `ws://HOST:PORT`.
pub const SCHEME: &str = "ws://";

/// The servers this process has connected to, in order.
static CONNECTED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Whether `name` names a remote device.
pub fn is_remote(name: &str) -> bool {
    name.starts_with(SCHEME)
}

/// The servers this process has connected to (`ws://HOST:PORT`), in order: where to look
/// when the backend fails mid-run.
pub fn connected() -> Vec<String> {
    CONNECTED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

#[cfg(feature = "remote")]
mod enabled {
    use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
    use std::time::Duration;

    use burn::tensor::Device;

    use super::{CONNECTED, SCHEME};
    use crate::error::FlowError;

    /// How long a server has to accept a TCP connection before it counts as unreachable (Burn's
    /// own dial retries a refused connection for about 16 s before it gives up).
    const REACH_TIMEOUT: Duration = Duration::from_secs(3);

    /// The addresses `HOST:PORT` resolves to (`listen` as `serve` takes it: a bare port means
    /// loopback).
    fn resolve(host_port: &str, flag: &'static str) -> Result<Vec<SocketAddr>, FlowError> {
        let with_host = match host_port.parse::<u16>() {
            Ok(port) => format!("127.0.0.1:{port}"),
            Err(_) => host_port.to_string(),
        };
        let addresses: Vec<SocketAddr> = with_host
            .to_socket_addrs()
            .map_err(|e| {
                FlowError::invalid(
                    flag,
                    format!("`{host_port}` is not a usable HOST:PORT ({e})"),
                )
            })?
            .collect();
        if addresses.is_empty() {
            return Err(FlowError::invalid(
                flag,
                format!("`{host_port}` resolves to no address"),
            ));
        }
        Ok(addresses)
    }

    /// Opens and closes a TCP connection to the first of `addresses` that accepts one.
    fn reach(addresses: &[SocketAddr]) -> std::io::Result<()> {
        let mut failure = None;
        for address in addresses {
            match TcpStream::connect_timeout(address, REACH_TIMEOUT) {
                Ok(_) => return Ok(()),
                Err(e) => failure = Some(e),
            }
        }
        Err(failure.unwrap_or_else(|| std::io::ErrorKind::AddrNotAvailable.into()))
    }

    /// The remote device of the server at `url` (`ws://HOST:PORT`), connected. A server that
    /// does not answer is an error naming `url` within a few seconds.
    pub fn connect(url: &str) -> Result<Device, FlowError> {
        use burn::tensor::remote::RemoteHost;

        let host_port = url[SCHEME.len()..].trim_end_matches('/');
        let addresses = resolve(host_port, "--device")?;
        if let Err(why) = reach(&addresses) {
            return Err(FlowError::BackendUnavailable(format!(
                "cannot reach the server at {url}: {why}; start one there with \
                 `flow-train serve --listen {host_port}`"
            )));
        }
        let device = Device::remote_options(&RemoteHost::websocket(url))
            .init()
            .map_err(|e| {
                FlowError::BackendUnavailable(format!("the server at {url} refused a session: {e}"))
            })?;
        CONNECTED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(url.to_string());
        Ok(device)
    }

    /// Serves the device `open` opens (called `name`) to remote clients on `listen`
    /// (`ADDR:PORT`, or a bare port on loopback) until the process is told to stop (Ctrl-C,
    /// SIGTERM). Once listening it prints `serving NAME at ws://ADDR:PORT` on stdout, the port
    /// the system chose for port 0.
    pub fn serve(
        listen: &str,
        name: &str,
        open: impl FnOnce() -> Result<Device, FlowError>,
    ) -> Result<(), FlowError> {
        use burn::tensor::server::{RemoteServer, WebSocketTransport};
        use std::io::Write;

        let addresses = resolve(listen, "--listen")?;
        let device = open()?;
        let cannot = |e: std::io::Error| {
            FlowError::BackendUnavailable(format!("cannot listen on {listen}: {e}"))
        };
        let listener = std::net::TcpListener::bind(&addresses[..]).map_err(cannot)?;
        let local = listener.local_addr().map_err(cannot)?;
        println!("serving {name} at {SCHEME}{local}");
        let _ = std::io::stdout().flush();
        RemoteServer::new([device])
            .serve(WebSocketTransport::from_listener(listener))
            .map_err(|e| FlowError::BackendUnavailable(format!("the server stopped: {e}")))
    }
}

#[cfg(not(feature = "remote"))]
mod disabled {
    use burn::tensor::Device;

    use crate::error::FlowError;

    /// Refuses: this build has no remote backend.
    pub fn connect(url: &str) -> Result<Device, FlowError> {
        Err(not_compiled(
            "--device",
            &format!("`{url}` is a remote device"),
        ))
    }

    /// Refuses: this build has no remote backend.
    pub fn serve(
        _listen: &str,
        _name: &str,
        _open: impl FnOnce() -> Result<Device, FlowError>,
    ) -> Result<(), FlowError> {
        Err(not_compiled(
            "serve",
            "`serve` hosts a device for remote clients",
        ))
    }

    /// The error of a remote feature used in a build without it.
    fn not_compiled(flag: &'static str, what: &str) -> FlowError {
        FlowError::invalid(
            flag,
            format!(
                "{what}, and this build has no remote backend: rebuild with `--features remote`"
            ),
        )
    }
}
