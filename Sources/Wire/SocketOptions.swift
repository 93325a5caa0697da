import CZeroMQ

// libzmq's option numbers, re-exported so that modules above Wire need not import CZeroMQ.
public let ZMQ_ROUTER_MANDATORY_OPTION = ZMQ_ROUTER_MANDATORY
public let ZMQ_ROUTER_HANDOVER_OPTION = ZMQ_ROUTER_HANDOVER
public let ZMQ_MAXMSGSIZE_OPTION = ZMQ_MAXMSGSIZE
public let ZMQ_ROUTING_ID_OPTION = ZMQ_ROUTING_ID
public let ZMQ_IMMEDIATE_OPTION = ZMQ_IMMEDIATE
public let ZMQ_LINGER_OPTION = ZMQ_LINGER
