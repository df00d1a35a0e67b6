//! What the reference device's tests share: a NETCONF session to a device as its first
//! account (the admin), its host key pinned.

use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy, Session};
use rfc3535_device::Device;

pub async fn connect(device: &Device) -> Session {
    let account = &device.accounts[0];
    let options = ConnectOptions::new(
        "127.0.0.1",
        device.address.port(),
        account.user.clone(),
        Auth::Password(account.password.clone().into()),
        HostKeyPolicy::Pinned {
            fingerprint: device.fingerprint.clone(),
        },
    );
    rfc3535_client::connect(&options).await.expect("connects")
}
