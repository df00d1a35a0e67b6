# Reading chosen parts of the data (RFC 3535 §3.3, §5.26).
Feature: A chosen subset of the data can be read

  @req:R3535-3.3 @req:R3535-5.26 @must @cap:monitoring @rfc6241-6.4.5 @cap:netconf
  Scenario: A subtree filter selects one list entry
    Given a management session "A"
    When "A" reads the schema list entry of one implemented module with a subtree filter
    Then the reply holds that entry and no other

  @req:R3535-5.26 @should @cap:monitoring @cap:xpath @rfc6241-8.9
  Scenario: An XPath filter selects what the equivalent subtree filter selects
    Given a management session "A"
    When "A" reads the schema list entry of one implemented module with a subtree filter
    And "A" reads the same entry with an XPath filter
    Then both replies hold the same data as trees

  @req:R3535-5.26 @req:R3535-5.27 @should @cap:restconf-depth @cap:config-edit @rfc8040-4.8.2 @rfc8040-B.3.2
  Scenario: The depth parameter limits how deep a RESTCONF read goes
    Given a management session "A"
    And the sandbox text holds a fresh value
    When "A" reads the sandbox's container to the depth of the sandbox text
    Then the answer holds the sandbox text
    When "A" reads the sandbox's container one level short of the sandbox text
    Then the answer holds the container and nothing as deep as the sandbox text

  @req:R3535-5.26 @req:R3535-5.27 @should @cap:restconf-fields @cap:config-edit @rfc8040-4.8.3 @rfc8040-B.3.3
  Scenario: The fields parameter chooses the nodes a RESTCONF read returns
    Given a management session "A"
    And the sandbox text holds a fresh value
    When "A" adds an entry of its own to the sandbox list
    And "A" reads the sandbox's container with fields naming only the sandbox text
    Then the answer holds the sandbox text and nothing beside it
