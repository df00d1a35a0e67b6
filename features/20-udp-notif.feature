# Configured subscriptions (RFC 8639 §2.5) published over UDP-notif (draft-ietf-netconf-
# udp-notif) to the receiver the test bed provisioned on the device: the inventory's
# `udp_notif:` names it, where the harness listens for it, and the transport identity the
# device's configured subscriptions take. The harness writes the subscription as
# configuration, receives what the device sends, and deletes it afterwards. The selection is
# the device's YANG library in operational: on every device, steady, and long enough to be
# segmented. Loss is measured per message id and per envelope sequence number. Where the
# inventory's `schema_change:` names how to change the device's YANG library and put it back,
# the harness does both under a running subscription and expects each announced. What arrives
# is published to the run's Kafka broker (`rfc3535 run --broker`) as telemetry messages with
# the id of its schema in the harness's schema registry, and read back: time to data runs from
# the configuration's acceptance to the first record read.
@req:MB-07 @should @cap:configured-subscriptions @cap:yang-push @cap:config-edit @cap:netconf @rfc8639
Feature: A configured subscription reaches its UDP-notif receiver whole, in order and valid

  @req:MB-03 @req:MB-12 @rfc8639-2.5 @rfc8639-2.7.1
  Scenario: A configured subscription starts with subscription-started, and its messages arrive without loss
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in JSON
    Then the receiver gets subscription-started first, then 8 push-updates for it, within 15 seconds
    And no UDP-notif message id and no envelope sequence number went missing

  Scenario: Every UDP-notif datagram is well framed, and none leaves segmenting to IP fragmentation
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in JSON
    Then the receiver gets subscription-started first, then 3 push-updates for it, within 15 seconds
    And every datagram was well-formed, and none longer than the receiver's maximum segment size

  @req:MB-10 @req:MB-11
  Scenario: Every message is in the current notification envelope, naming one host
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in JSON
    Then the receiver gets subscription-started first, then 3 push-updates for it, within 15 seconds
    And every message is in the current notification envelope, with one host name throughout

  @req:MB-14 @rfc8641-3.7
  Scenario: Every message validates against the device's own schema
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in XML
    Then the receiver gets subscription-started first, then 3 push-updates for it, within 15 seconds
    And every message validates against the device's own schema

  @req:MB-13
  Scenario: subscription-started references the device's YANG library by its content-id
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in JSON
    Then the receiver gets subscription-started first, then 1 push-update for it, within 15 seconds
    And subscription-started names the content-id of the device's YANG library

  @req:MB-04 @cap:nmda @rfc8639-2.5
  Scenario: A configured subscription's operational state shows its receiver active and counts the records sent to it
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in JSON
    Then the receiver gets subscription-started first, then 4 push-updates for it, within 15 seconds
    And "A" reads in operational that the subscription is valid, its receiver active, and as many event records sent to it as the receiver got

  @req:MB-04 @rfc8639-2.5
  Scenario: Resetting a configured subscription's receiver starts it again with subscription-started
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in JSON
    Then the receiver gets subscription-started first, then 2 push-updates for it, within 15 seconds
    When "A" resets the subscription's receiver
    Then within 10 seconds the receiver gets subscription-started again, and push-updates go on after it

  @req:MB-13
  Scenario: A schema change under a configured subscription is announced by subscription-modified before any update shows it
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in JSON
    Then the receiver gets subscription-started first, then 2 push-updates for it, within 15 seconds
    When "A" changes the device's schema as the test bed says
    Then within 10 seconds, subscription-modified names the YANG library's content-id now, and no push-update before it shows that library
    When "A" changes the device's schema back
    Then within 10 seconds, subscription-modified names the YANG library's content-id now, and no push-update before it shows that library

  @req:MB-05 @req:MB-16 @cap:nmda @rfc8641-3.7
  Scenario: A configured subscription's update read back from the broker holds what a get-data of its selection reads
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in JSON
    Then the first push-update read back from the run's Kafka broker holds what a get-data of the YANG library in operational reads

  @req:MB-16 @req:MB-18
  Scenario: A configured subscription's messages reach the broker as telemetry messages, and time to data is measured
    Given a management session "A"
    When "A" configures a subscription of the YANG library in operational every 50 centiseconds, to the test bed's UDP-notif receiver, in JSON
    Then within 15 seconds, 3 of its push-updates, validated against the device's own schema, are read back from the run's Kafka broker as telemetry messages with the schema's registered id
