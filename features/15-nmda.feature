# The NMDA operations (RFC 8342, RFC 8526) on a device that implements ietf-netconf-nmda:
# the same configuration through old and new operations, configuration and state told apart
# by the device itself (RFC 3535 §3.2), a read limited in depth (§3.3), and edit-data.
@cap:nmda
Feature: The NMDA datastores can be read and written as RFC 8526 says

  @req:R3535-5.27 @should @rfc8526-3.1.1 @cap:netconf
  Scenario: The running configuration reads the same through get-data and get-config
    Given a management session "A"
    When "A" reads the running configuration
    And "A" reads the running datastore with get-data
    Then both replies hold the same configuration

  @req:R3535-3.2 @req:R3535-5.5 @should @rfc8526-3.1.1 @cap:netconf
  Scenario: The config filter separates configuration from state in the operational datastore
    Given a management session "A"
    When "A" reads the operational datastore with config-filter true
    Then the reply holds configuration and no operational state
    When "A" reads the operational datastore with config-filter false
    Then the reply holds state and no configuration

  @req:R3535-3.3 @req:R3535-5.26 @should @rfc8526-3.1.1 @cap:netconf
  Scenario: max-depth limits how deep the operational datastore is read
    Given a management session "A"
    When "A" reads the operational datastore to depth 1
    Then the reply holds nothing deeper than 1 level

  @req:R3535-5.27 @should @cap:config-edit @rfc8526-3.1.2 @cap:netconf
  Scenario: An edit made with edit-data is what get-config reads back
    Given a management session "A"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value with edit-data
    Then the running configuration shows the sandbox text exactly
    And nothing but the sandbox changed in the configuration it edits

  @req:R3535-5.27 @should @cap:nmda-origin @cap:config-edit @rfc8526-3.1.1 @cap:netconf
  Scenario: Origin filters keep and leave out configuration by where it came from
    Given a management session "A"
    And the sandbox text holds a fresh value
    When "A" reads the operational datastore with origins
    Then the reply gives the sandbox text an origin
    When "A" reads the operational datastore keeping that origin
    Then the reply shows the sandbox text
    When "A" reads the operational datastore without that origin
    Then the reply omits the sandbox text

  # The sandbox text is written first, so that its top-level container exists whatever ran
  # before.
  @req:R3535-5.27 @should @cap:nmda-with-defaults @cap:with-defaults @cap:config-edit @rfc8526-3.1.1 @rfc6243-3
  Scenario: get-data shows the defaults of running as each with-defaults mode says
    Given a management session "A"
    And the sandbox text holds a fresh value
    When "A" reads the running datastore with get-data in every with-defaults mode the device announces
    Then every reply shows the schema's defaults as its mode says
