# Configurations that diff cleanly: no arbitrary reordering, stable output (RFC 3535 §3.10).
@req:R3535-3.10 @must
Feature: The device keeps the order it was given

  @cap:config-edit @rfc7950-7.7.7 @cap:netconf
  Scenario: Entries of a user-ordered list keep the order they were given
    Given a management session "A"
    And a copy of the running configuration
    And the sandbox list holds "a, b, c"
    When "A" inserts "d" before "b" in the sandbox list
    Then the running configuration lists the sandbox entries as "a, d, b, c"
    And nothing but the sandbox changed in the configuration it edits

  @rfc6241-7.1
  Scenario: Reading twice without a change gives the same answer
    Given a management session "A"
    When "A" reads the running configuration
    And "A" reads the running configuration again
    Then both replies hold the same data

  @cap:config-edit @cap:restconf @rfc8040-4.8.5 @rfc8040-4.8.6 @rfc8040-B.3.4 @rfc8040-B.3.5
  Scenario: RESTCONF puts a new entry where insert and point say
    Given a management session "A"
    And a copy of the running configuration
    And the sandbox list holds "a, b, c"
    When "A" creates "d" in the sandbox list with POST, before "b"
    Then the running configuration lists the sandbox entries as "a, d, b, c"
    And nothing but the sandbox changed in the configuration it edits

  @cap:config-edit @cap:yang-patch @rfc8072-2.5
  Scenario: A YANG Patch inserts an entry where it says and moves another
    Given a management session "A"
    And a copy of the running configuration
    And the sandbox list holds "a, b, c"
    When "A" inserts "d" before "b" and moves "c" first in the sandbox list with one YANG Patch
    Then the running configuration lists the sandbox entries as "c, a, d, b"
    And nothing but the sandbox changed in the configuration it edits
