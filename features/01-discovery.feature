# Discovery and self-description: a device says what it is and what it supports, and what
# it says can be used (RFC 3535 §3.1, §5.20, §5.27; RFC 3535-next OPS-REQ-DM2API).
Feature: A device describes itself truthfully

  @req:R3535-5.27 @should @rfc6241-8.1 @cap:netconf
  Scenario: The device offers the current base protocol
    Given a management session "A"
    Then the device offers base protocol 1.1

  @req:R3535-3.1 @req:R3535-5.20 @req:R3535-5.21 @req:OPS-REQ-DM2API @should @cap:monitoring @rfc6022-3.1 @cap:netconf
  Scenario: Every announced YANG module can be downloaded and compiled
    Given a management session "A"
    When "A" downloads every module the device announces, in YANG, and compiles them
    Then every module comes back as the YANG source of that module and revision
    And the modules compile into one schema

  # RFC 7950 §5.6.4 and RFC 8526 §2: with a YANG library, the library lists the modules; the
  # hello may name (YANG 1.0) modules too, and then the two must agree.
  @req:R3535-5.27 @should @cap:yang-library @rfc7950-5.6.4 @cap:netconf
  Scenario: The YANG library and the hello agree on the modules
    Given a management session "A"
    When "A" reads the YANG library
    Then every module the hello names is in the library with the same revision
    And the library's identifier is the one the hello announces

  @req:R3535-3.1 @should @rfc6241-4.3 @cap:netconf
  Scenario: A request the device cannot honour gets a structured error
    Given a management session "A"
    When "A" asks for an operation no device knows
    Then the reply is an error with a type and one of the tags "operation-not-supported, unknown-element, unknown-namespace, malformed-message"
    And the session still answers requests

  @req:R3535-3.9 @req:OPS-REQ-STRENGTHEN-DM @may @cap:netconf
  Scenario: The device implements the standard modules of the operator's profile
    Given a management session "A"
    When "A" lists the modules the device implements
    Then every module of the profile "ietf-interfaces, ietf-system" is implemented without deviations

  @req:R3535-5.33 @req:R3535-3.1 @should @rfc7950-8.3.1 @cap:netconf
  Scenario: An operation with invalid input gets a structured error
    Given a management session "A"
    When "A" ends a session with an identifier no session can have
    Then the reply is an error with a type and one of the tags "invalid-value, bad-element, malformed-message"
    And the session still answers requests

  @req:R3535-5.27 @req:R3535-3.1 @should @cap:monitoring @rfc6022-3.1 @cap:netconf
  Scenario: Every module the monitoring schema list names can be fetched
    Given a management session "A"
    When "A" reads the monitoring schema list
    Then "A" can fetch every YANG module the list names with get-schema
