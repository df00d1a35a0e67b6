//! The floor of the NETCONF benchmarks: a bare russh session on a `netconf` subsystem
//! channel, with nothing of the project's client in it. Shared by the benches that compare
//! a client against it (`#[path]`-included: each bench is a crate of its own).

use std::net::SocketAddr;
use std::sync::Arc;

use russh::client;

/// Connects, authenticates with a password and opens the `netconf` subsystem; the handler
/// decides which host keys are accepted.
pub async fn netconf_channel<H>(
    address: SocketAddr,
    user: &str,
    password: &str,
    handler: H,
) -> (client::Handle<H>, russh::Channel<client::Msg>)
where
    H: client::Handler + Send + 'static,
{
    let config = Arc::new(client::Config {
        nodelay: true,
        ..client::Config::default()
    });
    let tcp = tokio::net::TcpStream::connect(address).await.expect("tcp");
    tcp.set_nodelay(true).expect("nodelay");
    let mut handle = client::connect_stream(config, tcp, handler)
        .await
        .expect("ssh");
    assert!(handle
        .authenticate_password(user, password)
        .await
        .expect("auth")
        .success());
    let channel = handle.channel_open_session().await.expect("channel");
    channel
        .request_subsystem(true, "netconf")
        .await
        .expect("subsystem");
    (handle, channel)
}
