# RESTCONF itself (RFC 8040): what a client over HTTP relies on, judged on every column that
# reaches a device over RESTCONF. The datastore scenarios of the other features run there too;
# these are about the protocol's own promises.
@req:R3535-5.27 @should @cap:restconf @rfc8040
Feature: RESTCONF keeps the promises RFC 8040 makes to its clients

  @rfc8040-5.2
  Scenario: RESTCONF answers in the YANG data media type asked for
    Given a management session "A"
    Then "A" reads the sandbox's container in XML and in JSON, each labelled with its YANG data media type

  @cap:config-edit @rfc8040-4.4.1 @rfc8040-4.7 @rfc8040-B.2.1
  Scenario: A new entry is created with 201 and its Location, and goes with DELETE
    Given a management session "A"
    When "A" creates an entry of the sandbox list with POST
    Then the device answered 201 Created with a Location that reads back the entry
    When "A" deletes that entry with DELETE
    Then the entry is gone

  @cap:config-edit @rfc8040-3.4.1.2 @rfc8040-B.2.2
  Scenario: The entity-tag moves with every change and guards against a stale write
    Given a management session "A"
    When "A" notes the datastore's entity-tag
    And "A" sets the sandbox text to a fresh value
    Then the datastore's entity-tag has changed
    And a write of the sandbox text with that old entity-tag in If-Match is refused with 412 and changes nothing

  @cap:config-edit @rfc8040-7.1
  Scenario: A refused request says why in an errors body
    Given a management session "A"
    When "A" asks for an entry of the sandbox list that does not exist
    Then the answer is 404 with an errors body naming error-tag "invalid-value"
    When "A" creates the sandbox's container with POST although it exists
    Then the answer is 409 with an errors body naming error-tag "data-exists"

  @req:R3535-3.6 @cap:config-edit @cap:yang-patch @rfc8072-2 @rfc8072-2.3
  Scenario: A YANG Patch applies all of its edits or none
    Given a management session "A"
    When "A" sends a YANG Patch that adds two entries to the sandbox list and then deletes one that does not exist
    Then the patch is refused with a yang-patch-status that reports the error
    And neither entry of the patch is in the sandbox list
    When "A" sends a YANG Patch that adds two entries to the sandbox list
    Then the patch is applied with a yang-patch-status of ok
    And both entries of the patch are in the sandbox list

  @cap:config-edit @rfc8040-4.6.1 @rfc8040-B.2.5
  Scenario: A plain PATCH merges into the resource it names and creates nothing
    Given a management session "A"
    And a copy of the running configuration
    When "A" adds an entry of its own to the sandbox list
    And "A" merges a fresh sandbox text into the sandbox's container with a plain PATCH
    Then the PATCH answered 200 OK or 204 No Content
    And the running configuration shows the sandbox text
    And the sandbox list still holds the entry of its own
    And nothing but the sandbox changed in the running configuration
    When "A" patches an entry of the sandbox list that does not exist
    Then the PATCH is refused and the entry is not created

  @rfc8040-3.3.1 @rfc8040-4.3
  Scenario: The whole datastore reads in one GET, and HEAD answers as GET does
    Given a management session "A"
    Then "A" reads the datastore resource with one GET, as ietf-restconf:data holding every top-level node of the configuration
    And a HEAD of the datastore resource answers as its GET does, without a body

  @req:R3535-3.8 @cap:restconf-streams @cap:netconf-notifications @cap:config-edit @rfc8040-6.4 @rfc6470-2.3
  Scenario: A configuration change is announced on the RESTCONF event stream
    Given a management session "A"
    And "A" listens to the device's event stream
    When "A" sets the sandbox text to a fresh value
    Then within 10 seconds the event stream announces a change of the running configuration

  @req:R3535-3.8 @cap:restconf-json-stream @cap:netconf-notifications @cap:config-edit @rfc8040-6.4 @rfc7951
  Scenario: The event stream in JSON announces a configuration change as the device's own notification
    Given a management session "A"
    And "A" listens to the device's event stream in JSON
    When "A" sets the sandbox text to a fresh value
    Then within 10 seconds the event stream announces a change of the running configuration

  # A manager that was away catches up over RESTCONF: the stream from a time replays what
  # happened since, says the replay is over, and a stop time already past ends it (RFC 8040
  # §4.8.7, §4.8.8; RFC 5277 §2.1.1, §2.2.1). The time is the device's own, from the live
  # announcement of the change.
  @req:R3535-3.8 @cap:restconf-streams @cap:restconf-replay @cap:netconf-notifications @cap:config-edit @rfc8040-4.8.7 @rfc8040-4.8.8 @rfc8040-B.3.7 @rfc8040-B.3.8
  Scenario: An event stream from an earlier time replays the change made then, and its stop time ends it
    Given a management session "A"
    And "A" listens to the device's event stream
    When "A" sets the sandbox text to a fresh value
    Then within 10 seconds the event stream announces a change of the running configuration, and its time is noted
    When "A" reads the event stream from that time to a second later
    Then within 30 seconds the stream replays that change, says the replay is complete, and ends

  # A filter chooses what the stream sends (RFC 8040 §4.8.4): the same replayed second of the
  # device's events, through a filter that selects the change and through one that does not.
  @req:R3535-5.26 @cap:restconf-streams @cap:restconf-replay @cap:restconf-filter @cap:netconf-notifications @cap:config-edit @rfc8040-4.8.4 @rfc8040-B.3.6
  Scenario: A filter on the event stream sends what it selects and nothing else
    Given a management session "A"
    And "A" listens to the device's event stream
    When "A" sets the sandbox text to a fresh value
    Then within 10 seconds the event stream announces a change of the running configuration, and its time is noted
    When "A" reads the event stream from that time to a second later, filtered to "/ietf-netconf-notifications:netconf-config-change"
    Then within 30 seconds the stream replays that change, says the replay is complete, and ends
    When "A" reads the event stream from that time to a second later, filtered to "/ietf-netconf-notifications:netconf-session-start"
    Then within 30 seconds the stream says the replay is complete and ends, without that change

  @req:R3535-3.8 @cap:config-edit @rfc8040-3.4.1.1 @rfc8040-3.4.1.2
  Scenario: The entity-tag and Last-Modified move with configuration changes only
    Given a management session "A"
    When "A" notes the datastore's entity-tag and Last-Modified
    And "A" reads the device's state twice, a second apart
    Then the datastore's entity-tag and Last-Modified have not moved
    When "A" sets the sandbox text to a fresh value
    Then the datastore's entity-tag and Last-Modified have moved

  @rfc8040-3.3 @rfc8040-B.1.1 @rfc8040-B.1.2
  Scenario: The API resource names the datastore, the operations and the YANG library revision
    Given a management session "A"
    Then "A" reads the API resource, and it names the datastore, the operations and the YANG library revision the device implements

  @req:R3535-5.33 @rfc8040-3.3.2
  Scenario: The operations resource lists every operation the device's modules define
    Given a management session "A"
    Then "A" reads the operations resource, and it lists every operation of the modules the device implements

  @req:R3535-5.33 @req:R3535-3.1 @rfc8040-3.6 @rfc8040-4.4.2 @rfc7950-7.14.2
  Scenario: Every operation of the device's modules can be invoked, and input it cannot take gets a structured error
    Given a management session "A"
    When "A" invokes each operation the device's modules define with input that lacks what it must hold
    Then each is refused with 400 and an errors body that says why

  @req:R3535-5.33 @req:R3535-3.1 @rfc8040-3.6 @rfc8040-4.4.2 @rfc7950-7.15
  Scenario: Every action of the device's modules can be invoked on a node that holds it, and input it cannot take gets a structured error
    Given a management session "A"
    When "A" invokes each action the device's modules define, on a node that holds it, with input that lacks what it must hold
    Then each is refused with 400 and an errors body that says why
