# Comparing devices (RFC 3535 §3.3, §3.8, §3.12).
@multi
Feature: Devices can be compared with each other

  @req:R3535-3.3 @req:R3535-3.8 @should @cap:config-edit
  Scenario: The same configuration reads the same on every device
    Given a management session on every device
    And a copy of every device's running configuration
    When the sandbox text is set to one fresh value on every device
    Then every device reads back the sandbox text it was given
    And the sandbox subtree reads the same on every device
    And nothing but the sandbox changed on any device

  @req:R3535-3.12 @may @cap:nacm
  Scenario: Access-control rules can be compared across devices
    Given a management session on every device
    When every device's access-control configuration is read
    Then the access-control configuration is the same on every device
