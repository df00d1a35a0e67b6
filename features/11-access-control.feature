# Access control (RFC 3535 §3.11, §5.28).
Feature: Access is controlled

  @req:R3535-3.11 @req:R3535-5.11 @must @cap:nacm @cap:config-edit @rfc8341-3.4.3
  Scenario: A read-only account cannot change the configuration
    Given a management session "A"
    And a management session "R" of the read-only account
    And a copy of the running configuration
    When "R" tries to set the sandbox text to a fresh value
    Then the reply is an error with tag "access-denied"
    And the running configuration does not show the sandbox text
    And the running configuration equals the copy

  @req:R3535-5.28 @must @rfc6242-3 @rfc8040-2.5
  Scenario: Wrong credentials are refused
    When a session is opened with a wrong password
    Then the device refuses to authenticate it

  @req:R3535-3.14 @req:R3535-5.29 @should @cap:nacm @rfc8341-3.4.4 @cap:netconf
  Scenario: An operation outside an account's role is refused while its reads still work
    Given a management session "A"
    And a management session "R" of the read-only account
    When "R" tries to end session "A"
    Then the reply is an error with tag "access-denied"
    And session "A" still answers requests
    And session "R" can still read the running configuration
