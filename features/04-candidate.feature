# Loading a configuration apart from activating it (RFC 3535 §3.13, §5.9).
@req:R3535-3.13 @must
Feature: Configuration is distributed apart from its activation

  @mechanism:candidate @cap:candidate @rfc6241-8.3
  Scenario: Candidate changes stay invisible until committed
    Given a management session "A"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value in the candidate
    Then the candidate configuration shows the sandbox text
    And the running configuration does not show the sandbox text
    When "A" commits
    Then the running configuration shows the sandbox text
    And nothing but the sandbox changed in the configuration it edits

  @mechanism:candidate @cap:candidate @rfc6241-8.3.4.2
  Scenario: Discarding changes brings the candidate back to running
    Given a management session "A"
    When "A" sets the sandbox text to a fresh value in the candidate
    Then the candidate configuration shows the sandbox text
    When "A" discards its changes
    Then the candidate configuration does not show the sandbox text
    And the candidate configuration equals the running configuration

  @mechanism:candidate @cap:candidate @rfc6241-7.5
  Scenario: A candidate with uncommitted changes cannot be locked by another session
    Given a management session "A"
    And a management session "B"
    When "A" sets the sandbox text to a fresh value in the candidate
    Then the candidate configuration shows the sandbox text
    When "B" locks the candidate
    Then the reply is an error

  @mechanism:startup @cap:startup @cap:config-edit @rfc6241-8.7
  Scenario: A committed change does not reach startup until it is copied there
    Given a management session "A"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value
    Then the running configuration shows the sandbox text
    And the startup configuration does not show the sandbox text
    When "A" copies the running configuration to startup
    Then the startup configuration shows the sandbox text
    And nothing but the sandbox changed in the configuration it edits
