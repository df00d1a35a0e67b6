//! NETCONF client.
