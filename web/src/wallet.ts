/**
 * Wallet sign-in for the pages: an injected EIP-1193 provider (`window.ethereum`: MetaMask, Rabby, a test
 * harness) when present, otherwise a local development key (an ethers Wallet created or pasted, kept in
 * localStorage, labelled as for local demos only). Sign-in is the SDK's SIWE flow; the same wallet later signs
 * reward claims.
 */
import { BrowserProvider, type Eip1193Provider, JsonRpcProvider, type Signer, Wallet } from 'ethers';
import { apiClient, call, type MapmintClient, type Me, saveSession } from './api.ts';
import { announce, h, short } from './dom.ts';

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

const KEY_STORE = 'mapmint.devKey';
const METHOD_STORE = 'mapmint.walletMethod';

type Method = 'injected' | 'local';

/** The local development key, created on first use. */
function localWallet(create: boolean): Wallet | undefined {
  const saved = localStorage.getItem(KEY_STORE);
  if (saved) return new Wallet(saved);
  if (!create) return undefined;
  const w = Wallet.createRandom();
  localStorage.setItem(KEY_STORE, w.privateKey);
  return new Wallet(w.privateKey);
}

/**
 * The signer to send transactions with (claims): the injected wallet's, or the local key on the chain's RPC. A local
 * key is new and holds no ETH for gas: on mapmint's local development chain (`dev`), which accepts Hardhat's
 * `hardhat_setBalance`, it is given 10 ETH first. Real chains need a funded wallet.
 */
export async function transactionSigner(rpcUrl: string | null, dev = false): Promise<Signer> {
  if (localStorage.getItem(METHOD_STORE) === 'injected' && window.ethereum) {
    return new BrowserProvider(window.ethereum).getSigner();
  }
  const w = localWallet(false);
  if (!w) throw new Error('no wallet: sign in first');
  if (!rpcUrl) throw new Error('the server publishes no public RPC URL: claim with a browser wallet');
  const provider = new JsonRpcProvider(rpcUrl);
  if (dev && (await provider.getBalance(w.address)) === 0n) {
    await provider.send('hardhat_setBalance', [w.address, '0x8ac7230489e80000']);
  }
  return w.connect(provider);
}

async function signInWith(client: MapmintClient, method: Method, pasted?: string): Promise<void> {
  if (method === 'injected') {
    if (!window.ethereum) throw new Error('no browser wallet found');
    const provider = new BrowserProvider(window.ethereum);
    // The message names the chain the server asks for (with the nonce), whatever network the wallet is on.
    const s = await client.signIn(await provider.getSigner());
    saveSession(s);
  } else {
    if (pasted !== undefined) localStorage.setItem(KEY_STORE, new Wallet(pasted.trim()).privateKey);
    const s = await client.signIn(localWallet(true)!);
    saveSession(s);
  }
  localStorage.setItem(METHOD_STORE, method);
}

/** What a page gets once someone is signed in. */
export interface Session {
  client: MapmintClient;
  me: Me;
}

/**
 * Renders the sign-in box into `box` and resolves once a wallet is signed in (immediately when a stored token is
 * still valid). `onSignOut` runs after the user signs out.
 */
export function signIn(box: HTMLElement, opts: { purpose: string; onSignOut: () => void }): Promise<Session> {
  const client = apiClient();
  return new Promise((resolve) => {
    const signedIn = (me: Me) => {
      box.replaceChildren(
        ...signedInAs(me, async () => {
          // Revoke the token on the server too; an already expired one needs no revoking.
          await client.signOut().catch(() => undefined);
          client.token = undefined;
          saveSession(undefined);
          opts.onSignOut();
          showForm();
        }),
      );
      resolve({ client, me });
    };
    const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    const attempt = async (method: Method, pasted?: string) => {
      announce(status, 'Waiting for the wallet signature…');
      try {
        await signInWith(client, method, pasted);
        signedIn(await call<Me>(client, 'GET', '/v1/me'));
      } catch (err) {
        announce(status, `Sign-in failed: ${(err as Error).message}`, 'error');
      }
    };
    const showForm = () => box.replaceChildren(signInForm(opts.purpose, status, attempt));
    if (!client.token) return showForm();
    call<Me>(client, 'GET', '/v1/me').then(signedIn, () => {
      saveSession(undefined);
      client.token = undefined;
      showForm();
    });
  });
}

/** Who is signed in, and a Sign out button. */
function signedInAs(me: Me, signOut: () => void | Promise<void>): HTMLElement[] {
  return [
    h('span', { class: 'who' }, 'Signed in as ', h('code', { title: me.address }, short(me.address))),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
  ];
}

/** The sign-in form: a browser wallet when there is one, else (or also) a local development key. */
function signInForm(
  purpose: string,
  status: HTMLElement,
  attempt: (method: Method, pasted?: string) => Promise<void>,
): HTMLElement {
  const keyInput = h('input', {
    id: 'dev-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: '0x… (64 hex digits)',
  });
  return h(
    'section',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    h('p', {}, `Sign in with your Ethereum wallet (Sign-In with Ethereum) ${purpose}.`),
    window.ethereum
      ? h(
          'button',
          { type: 'button', id: 'signin-injected', onclick: () => attempt('injected') },
          'Connect browser wallet',
        )
      : h('p', { class: 'muted' }, 'No browser wallet detected.'),
    h(
      'div',
      { class: 'devkey' },
      h(
        'button',
        { type: 'button', id: 'signin-local', class: 'secondary', onclick: () => attempt('local') },
        localStorage.getItem(KEY_STORE) ? 'Use my local development key' : 'Create a local development key',
      ),
      h(
        'p',
        { class: 'warning' },
        'Local development key: for local demos only. The private key is kept unencrypted in this browser.',
      ),
      h(
        'details',
        {},
        h('summary', {}, 'Paste a development key'),
        h(
          'form',
          {
            onsubmit: (e: Event) => {
              e.preventDefault();
              void attempt('local', keyInput.value);
            },
          },
          h('label', { for: 'dev-key' }, 'Private key'),
          keyInput,
          h('button', { type: 'submit', class: 'secondary' }, 'Sign in with this key'),
        ),
      ),
    ),
    status,
  );
}
