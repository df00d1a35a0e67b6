# Moving from one configuration to another with exactly the intended change (RFC 3535 §3.6,
# §5.32).
@req:R3535-3.6 @req:R3535-5.32 @should @cap:config-edit @rfc6241-7.2
Feature: An edit changes exactly what it says

  @cap:netconf
  Scenario: Create refuses what exists and delete refuses what is absent
    Given a management session "A"
    And a copy of the running configuration
    And the sandbox text holds a fresh value
    When "A" creates the sandbox text although it exists
    Then the reply is an error with tag "data-exists"
    When "A" deletes a sandbox list entry that does not exist
    Then the reply is an error with tag "data-missing"
    And nothing but the sandbox changed in the configuration it edits

  # The remove operation came with base:1.1.
  @cap:base-1.1
  Scenario: Remove accepts what is absent
    Given a management session "A"
    And a copy of the running configuration
    When "A" removes a sandbox list entry that does not exist
    Then the reply is ok
    And nothing but the sandbox changed in the configuration it edits
