// A test wallet: an EIP-1193 provider holding one private key, injected before any page script runs
// (conftest.py prepends ethers' UMD build and a `__walletConfig` object). It signs locally, as MetaMask
// would, and forwards every read to the chain's RPC (anvil answers CORS with "*"). It announces itself
// by EIP-6963 and is also window.ethereum.
//
// window.__testWallet.rejectNext = true    -> the next prompt (connect, sign, send, switch, add, watch) fails
//                                             with code 4001, as when the person presses "Reject";
//                                             = "personal_sign": the next request of that method only
// window.__walletCalls                      -> [{method, params}] of every request
// The connection, the chosen chain and the calls are kept per origin (localStorage), as a wallet remembers
// the sites it is connected to.
(function installTestWallet(ethers, config) {
  "use strict";
  const STORE = "__testWalletState";
  const PROMPTS = new Set(["eth_requestAccounts", "personal_sign", "eth_sign", "eth_signTypedData_v4",
    "eth_sendTransaction", "wallet_switchEthereumChain", "wallet_addEthereumChain", "wallet_watchAsset",
    "wallet_requestPermissions"]);

  function loadState() {
    const fresh = { chainId: config.chainId, knownChains: config.knownChains, connected: false, calls: [] };
    try {
      return Object.assign(fresh, JSON.parse(window.localStorage.getItem(STORE) || "{}"));
    } catch (e) {
      return fresh; // about:blank or data: URLs have no storage
    }
  }

  const state = loadState();
  function saveState() {
    try { window.localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* no storage here */ }
  }

  // cacheTimeout -1: ethers otherwise answers a repeated eth_getTransactionCount from a 250 ms cache, and two
  // transactions sent back to back (publish, then activate) would get the same nonce, as no real wallet does
  const rpc = new ethers.JsonRpcProvider(config.rpcUrl, config.rpcChainId, { staticNetwork: true, cacheTimeout: -1 });
  const signer = new ethers.Wallet(config.privateKey, rpc);
  const address = signer.address;
  const listeners = {};

  function rpcError(code, message) {
    const error = new Error(message);
    error.code = code;
    return error;
  }

  function emit(event, value) {
    (listeners[event] || []).slice().forEach((listener) => {
      try { listener(value); } catch (e) { console.warn("test wallet listener failed", e); }
    });
  }

  const hex = (n) => "0x" + Number(n).toString(16);
  const sameAddress = (a) => typeof a === "string" && a.toLowerCase() === address.toLowerCase();

  function messageBytes(params) {
    // MetaMask's order is [message, address]; some dapps send [address, message]
    const message = sameAddress(params[0]) && !sameAddress(params[1]) ? params[1] : params[0];
    return ethers.isHexString(message) ? ethers.getBytes(message) : ethers.toUtf8Bytes(message);
  }

  async function signTypedData(params) {
    const raw = sameAddress(params[0]) ? params[1] : params[0];
    const typed = typeof raw === "string" ? JSON.parse(raw) : raw;
    const types = Object.assign({}, typed.types);
    delete types.EIP712Domain;
    return signer.signTypedData(typed.domain, types, typed.message);
  }

  async function sendTransaction(params) {
    if (state.chainId !== config.rpcChainId) {
      throw rpcError(-32603, `the test wallet is on chain ${state.chainId}, the node on ${config.rpcChainId}`);
    }
    const tx = params[0];
    const request = { to: tx.to, data: tx.data, value: tx.value, gasLimit: tx.gas || tx.gasLimit,
      gasPrice: tx.gasPrice, maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
      nonce: tx.nonce === undefined ? undefined : Number(tx.nonce), type: tx.type === undefined ? undefined
        : Number(tx.type), accessList: tx.accessList, chainId: config.rpcChainId };
    Object.keys(request).forEach((key) => request[key] === undefined && delete request[key]);
    const sent = await signer.sendTransaction(request);
    return sent.hash;
  }

  function switchChain(params) {
    const wanted = Number(params[0].chainId);
    if (!state.knownChains.includes(wanted)) {
      throw rpcError(4902, `Unrecognized chain ID "${params[0].chainId}". Try adding the chain first.`);
    }
    if (state.chainId !== wanted) {
      state.chainId = wanted;
      emit("chainChanged", hex(wanted));
    }
    return null;
  }

  function addChain(params) {
    const wanted = Number(params[0].chainId);
    if (!state.knownChains.includes(wanted)) state.knownChains.push(wanted);
    return switchChain([{ chainId: params[0].chainId }]); // MetaMask switches to a chain it adds
  }

  async function answer(method, params) {
    switch (method) {
      case "eth_requestAccounts":
        state.connected = true;
        emit("accountsChanged", [address]);
        return [address];
      case "eth_accounts":
        return state.connected ? [address] : [];
      case "eth_chainId":
        return hex(state.chainId);
      case "net_version":
        return String(state.chainId);
      case "personal_sign":
        return signer.signMessage(messageBytes(params));
      case "eth_signTypedData_v4":
        return signTypedData(params);
      case "eth_sendTransaction":
        return sendTransaction(params);
      case "wallet_switchEthereumChain":
        return switchChain(params);
      case "wallet_addEthereumChain":
        return addChain(params);
      case "wallet_watchAsset":
        return true;
      case "wallet_requestPermissions":
        state.connected = true;
        return [{ parentCapability: "eth_accounts" }];
      default:
        return rpc.send(method, params);
    }
  }

  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      const list = params === undefined ? [] : params;
      state.calls.push({ method, params: list });
      saveState();
      window.__walletCalls = state.calls;
      const reject = window.__testWallet.rejectNext;
      if (reject === method || (reject === true && PROMPTS.has(method))) {
        window.__testWallet.rejectNext = false;
        throw rpcError(4001, "User rejected the request.");
      }
      try {
        return await answer(method, Array.isArray(list) ? list : [list]);
      } finally {
        saveState();
      }
    },
    on(event, listener) {
      (listeners[event] = listeners[event] || []).push(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners[event] = (listeners[event] || []).filter((l) => l !== listener);
      return provider;
    },
  };
  provider.off = provider.removeListener;
  provider.addListener = provider.on;

  const info = Object.freeze({ uuid: config.uuid, name: "Test Wallet", icon: config.icon,
    rdns: "org.lec.testwallet" });
  function announce() {
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider",
      { detail: Object.freeze({ info, provider }) }));
  }
  window.addEventListener("eip6963:requestProvider", announce);
  window.__walletCalls = state.calls;
  window.__testWallet = { address, rejectNext: false, provider, state };
  window.ethereum = provider;
  announce();
})(__walletEthers, __walletConfig);
