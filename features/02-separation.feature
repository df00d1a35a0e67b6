# Configuration apart from state (RFC 3535 §3.2, §3.3, §5.5).
Feature: Configuration and operational state are kept apart

  @req:R3535-3.2 @req:R3535-5.5 @must @rfc6241-7.1
  Scenario: A configuration read carries no operational state
    Given a management session "A"
    When "A" reads the running configuration
    Then the reply holds no operational state

  @req:R3535-3.3 @must @cap:monitoring @rfc6241-7.7 @cap:netconf
  Scenario: Operational state can be read on its own
    Given a management session "A"
    When "A" reads the state of the management sessions
    Then the reply lists session "A" among the management sessions
    And the reply validates against the device's schema as data

  @req:R3535-3.2 @req:R3535-5.5 @req:R3535-3.1 @must @cap:monitoring @rfc6241-7.1
  Scenario: The running configuration validates against the device's own schema
    Given a management session "A"
    When "A" reads the running configuration
    Then the reply validates against the device's schema as a whole configuration

  @req:R3535-3.3 @req:R3535-5.5 @must @cap:restconf @rfc8040-4.8.1 @rfc8040-B.3.1
  Scenario: RESTCONF's content parameter reads state apart from configuration
    Given a management session "A"
    When "A" reads the datastore resource with content nonconfig
    Then the reply holds state and no configuration
    When "A" reads the datastore resource with content config
    Then the reply holds configuration and no operational state
