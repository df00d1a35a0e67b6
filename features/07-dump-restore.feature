# Saving and restoring whole configurations (RFC 3535 §3.7, §5.8).
@req:R3535-3.7 @req:R3535-5.8 @must
Feature: A configuration can be saved and restored

  @mechanism:copy-config @cap:config-edit @rfc6241-7.3 @rfc8040-B.2.4
  Scenario: A saved configuration restores exactly
    Given a management session "A"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value
    And "A" restores the copy of the running configuration
    Then the running configuration equals the copy

  @mechanism:startup @cap:startup @cap:config-edit @rfc6241-8.7
  Scenario: The running configuration can be saved as startup
    Given a management session "A"
    When "A" sets the sandbox text to a fresh value
    And "A" copies the running configuration to startup
    Then the startup configuration equals the running configuration

  @mechanism:url @cap:url @cap:config-edit @rfc6241-8.8
  Scenario: A configuration saved to a file restores exactly
    Given a management session "A"
    And a copy of the running configuration
    When "A" saves the running configuration to a file
    And "A" sets the sandbox text to a fresh value
    And "A" restores the configuration it edits from that file
    Then the running configuration equals the copy
