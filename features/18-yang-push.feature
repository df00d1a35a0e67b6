# YANG-Push (RFC 8641): dynamic subscriptions to a datastore (RFC 8639), over NETCONF (RFC
# 8640), judged by when their updates come as much as by what they hold. The subscription
# always selects the sandbox text. Time bounds come from the subscription's own terms and are
# generous; what was measured (intervals, distance from the anchor's grid, latency of a
# change) goes into the cell. The RESTCONF binding (RFC 8650) is not driven yet, so these run
# on NETCONF columns.
@req:MB-05 @should @cap:yang-push @cap:netconf @rfc8641
Feature: YANG-Push delivers what a subscription asks for, when it asks for it

  @rfc8641-3.1 @rfc8641-4.4.1
  Scenario: A periodic subscription delivers an update every period, on its anchor's grid
    Given a management session "A"
    When "A" subscribes to the sandbox text in operational every 50 centiseconds, anchored a moment ago
    Then 6 push-updates arrive for it, one a period after the other, on the anchor's grid

  @req:MB-06 @cap:yang-push-on-change @cap:config-edit @rfc8641-3.3 @rfc8641-3.7
  Scenario: An on-change subscription sends the selection first, then reports an edit as a YANG Patch
    Given a management session "A"
    And a management session "B"
    When "B" sets the sandbox text to a fresh value
    And "A" subscribes to changes of the sandbox text in running
    Then the first notification for it is a push-update holding that value
    When "B" sets the sandbox text to another fresh value
    Then a push-change-update for it sets the sandbox text to that value, within 5 seconds

  # RFC 8641 §4.4.4: a subscriber that lost track asks for the whole selection again.
  @req:MB-06 @cap:yang-push-on-change @cap:config-edit @rfc8641-4.4.4 @rfc8641-3.3
  Scenario: An on-change subscription without sync-on-start sends nothing at first, and a resync sends the selection
    Given a management session "A"
    And a management session "B"
    When "B" sets the sandbox text to a fresh value
    And "A" subscribes to changes of the sandbox text in running, without sync-on-start
    Then no push-update for it arrives within 1 second, as it asked for none at the start
    When "A" asks for a resync of the subscription
    Then a push-update for it holds that value within 5 seconds

  @req:MB-06 @cap:yang-push-on-change @cap:config-edit @rfc8641-3.3
  Scenario: An on-change subscription waits its dampening period between updates and still reports the last value
    Given a management session "A"
    And a management session "B"
    When "A" subscribes to changes of the sandbox text in running with a dampening period of 60 centiseconds
    And "B" sets the sandbox text to 3 fresh values, 150 milliseconds apart
    Then the push-change-updates for it come no closer together than the dampening period, the last one with the final value

  @req:MB-02 @rfc8639-2.4.4 @rfc8640-2.4
  Scenario: A deleted subscription sends nothing more, and deleting it again is refused with its identity
    Given a management session "A"
    When "A" subscribes to the sandbox text in operational every 50 centiseconds, anchored a moment ago
    And "A" deletes the subscription
    Then no push-update for it arrives in the next 3 periods
    And deleting it again is refused with the identity ietf-subscribed-notifications:no-such-subscription

  # Catalogue MB-05 A2: what an update holds and what a read of the same selection gets are
  # one and the same data (the sandbox text changes only when the scenario writes it).
  @cap:nmda @rfc8641-3.7
  Scenario: A periodic update holds what a get-data of the same selection reads
    Given a management session "A"
    When "A" subscribes to the sandbox text in operational every 50 centiseconds, anchored a moment ago
    Then the first push-update for it holds what a get-data of the same datastore and selection reads

  @rfc8641-3.7 @rfc8641-3.1
  Scenario: A periodic update holds the selection as it is when the update is made
    Given a management session "A"
    And a management session "B"
    When "B" sets the sandbox text to a fresh value
    And "A" subscribes to the sandbox text in running every 50 centiseconds, anchored a moment ago
    And "B" sets the sandbox text to another fresh value
    Then within 2 periods a push-update for it holds that value

  @rfc8641-4.4.2 @rfc8639-2.7.2
  Scenario: A modified subscription says so and publishes at its new period
    Given a management session "A"
    When "A" subscribes to the sandbox text in operational every 20 centiseconds, anchored a moment ago
    And "A" changes the subscription's period to 40 centiseconds
    Then a subscription-modified for it arrives, and after it push-updates at the new period

  @req:MB-02 @rfc8639-2.4.6 @rfc8640-2.4
  Scenario: A subscription request the device cannot take is refused with an RFC 8639 error identity
    Given a management session "A"
    When "A" asks for a subscription to the sandbox text in operational whose XPath selection does not parse
    Then it is refused with an identity establish-subscription may give
    When "A" modifies a subscription that does not exist
    Then it is refused with the identity ietf-subscribed-notifications:no-such-subscription

  @req:MB-02 @rfc8639-2.4 @rfc8639-2.4.5
  Scenario: A dynamic subscription lives no longer than the session that made it
    Given a management session "A"
    And a management session "B"
    When "A" subscribes to the sandbox text in operational every 50 centiseconds, anchored a moment ago
    And "A" is disconnected
    Then killing that subscription from "B" is refused with the identity ietf-subscribed-notifications:no-such-subscription

  @req:MB-06 @cap:yang-push-on-change @cap:config-edit @rfc8641-3.3
  Scenario: An on-change subscription that excludes changes of value is not sent them
    Given a management session "A"
    And a management session "B"
    When "B" sets the sandbox text to a fresh value
    And "A" subscribes to changes of the sandbox text in running, excluding changes of value
    And "B" sets the sandbox text to another fresh value
    Then nothing arrives for it within 2 seconds

  @req:MB-02 @rfc8639-2.4.5 @rfc8639-2.7.3
  Scenario: A subscription killed from another session ends with subscription-terminated, and nothing follows it
    Given a management session "A"
    And a management session "B"
    When "A" subscribes to the sandbox text in running every 50 centiseconds, anchored a moment ago
    And "B" kills that subscription
    Then a subscription-terminated for it arrives, and nothing for it after

  @req:MB-02 @cap:nacm @rfc8639-5 @rfc8341-3.2.2
  Scenario: An account without the right cannot kill another session's subscription
    Given a management session "A"
    And a management session "R" of the read-only account
    When "A" subscribes to the sandbox text in running every 50 centiseconds, anchored a moment ago
    And "R" tries to kill that subscription
    Then it is refused with access-denied, and the subscription goes on

  # Catalogue MB-03 A5 and MB-20 A2: a publisher that cannot deliver says so. The subscriber
  # offers a small SSH receive window and stops reading while the subscription publishes at
  # the shortest period the device accepts (10, 100 or 1000 centiseconds, tried in turn), so
  # the device meets back-pressure. Updates it could not send must be announced by
  # subscription-suspended, and subscription-resumed must follow once the subscriber reads
  # again; a device that keeps every update until then passes as well.
  @req:MB-03 @rfc8639-2.7
  Scenario: A subscriber that falls behind loses no update in silence
    Given a management session "A" with a small receive window
    When "A" subscribes to the sandbox text in operational at the shortest period the device accepts
    And "A" stops reading for 10 seconds, then reads again
    Then every period it was active has its push-update, and a suspension is announced and ends with subscription-resumed
