# The NMDA datastores over RESTCONF (RFC 8527): each datastore a resource of its own under
# {+restconf}/ds. The same requirements as the NMDA operations over NETCONF (15-nmda):
# configuration and state told apart by the datastore read (RFC 3535 §3.2), a read limited in
# depth (§3.3), what is in use said to come from where (§5.27), and edits of a datastore named.
@cap:restconf-nmda
Feature: The NMDA datastores can be read and written over RESTCONF as RFC 8527 says

  @req:R3535-5.27 @should @rfc8527-3.1
  Scenario: The running datastore resource holds the configuration the data resource holds
    Given a management session "A"
    When "A" reads the running configuration
    And "A" reads the running datastore resource
    Then both replies hold the same configuration

  @req:R3535-3.2 @req:R3535-5.5 @should @rfc8527-3.1 @rfc8342-5.3
  Scenario: The running datastore resource holds configuration only, the operational one state as well
    Given a management session "A"
    When "A" reads the running datastore resource
    Then the reply holds configuration and no operational state
    When "A" reads the operational datastore resource
    Then the reply holds configuration and state

  @req:R3535-3.3 @req:R3535-5.26 @should @cap:restconf-depth @rfc8527-3.1 @rfc8040-4.8.2
  Scenario: depth limits how deep the operational datastore resource is read
    Given a management session "A"
    When "A" reads the operational datastore resource to depth 2
    Then the reply holds nothing deeper than 2 levels

  @req:R3535-5.27 @should @cap:config-edit @rfc8527-3.1
  Scenario: An edit of the running datastore resource is what the data resource reads back
    Given a management session "A"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value through the running datastore resource
    Then the running configuration shows the sandbox text exactly
    And nothing but the sandbox changed in the configuration it edits

  @req:R3535-5.27 @should @cap:config-edit @rfc8527-3.1 @rfc8342-5.3
  Scenario: The operational datastore resource refuses to be written
    Given a management session "A"
    And a copy of the running configuration
    When "A" writes a fresh sandbox text into the operational datastore resource
    Then the write is refused and the running configuration does not show it
    And the running configuration equals the copy

  @req:R3535-5.27 @should @cap:restconf-with-origin @cap:config-edit @rfc8527-3.2.2
  Scenario: with-origin says where the configuration in use comes from, and only of the operational datastore
    Given a management session "A"
    And the sandbox text holds a fresh value
    When "A" reads the operational datastore resource with origins
    Then the reply gives the sandbox text an origin
    When "A" asks the running datastore resource for origins
    Then the answer is 400 with an errors body naming error-tag "invalid-value"

  # The sandbox text is written first, so that its top-level container exists whatever ran
  # before.
  @req:R3535-5.27 @should @cap:restconf-with-defaults @cap:config-edit @rfc8527-3.2.1 @rfc8040-4.8.9
  Scenario: The running datastore resource shows the defaults as each with-defaults mode says
    Given a management session "A"
    And the sandbox text holds a fresh value
    When "A" reads the running datastore resource in every with-defaults mode
    Then every reply shows the schema's defaults as its mode says

  @req:R3535-5.33 @should @rfc8527-3.1 @rfc7950-7.15
  Scenario: An action is invoked through the operational datastore resource and not through running
    Given a management session "A"
    When "A" invokes each action the device's modules define through the operational datastore, on a node that holds it, with input that lacks what it must hold
    Then each is refused with 400 and an errors body that says why
    When "A" invokes the same actions through the running datastore
    Then each is refused without being taken for an invocation
