""""Remind me on this device" (API.md §12, §15) in Chromium, through to a reminder the device can decrypt.

Only the push service is replaced. `PushManager.subscribe` asks the browser maker's push service (Google's,
for Chromium) for an endpoint; that service lives outside this machine, and headless Chromium here has none,
so subscribing fails. The page's init script below therefore replaces `PushManager.prototype.subscribe` and
nothing else: it makes the keys as a browser does (WebCrypto: a P-256 ECDH key pair and a 16-byte auth
secret) and answers a subscription whose endpoint is a push receiver on 127.0.0.1 (the reminders tests'
PushReceiver, which checks the VAPID signature and decrypts RFC 8291 aes128gcm, as the push service and the
browser would between them). Everything else is the real thing: the home's button, the notification
permission, the service worker's registration, pages.js fetching `push.key` and posting the subscription
with the sign-in cookie, and `deliver`'s pass, which signs, encrypts and sends."""
import types

from cryptography.hazmat.primitives.asymmetric import ec

from tests.browser.conftest import sign_in_page
from tests.conftest import link
from tests.functional.test_reminders import at, daily_goal, receiver, unb64, worker  # noqa: F401 (a fixture)

SUBSCRIBE = """
(() => {
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  PushManager.prototype.subscribe = async function (options) {
    const pair = await crypto.subtle.generateKey({name: "ECDH", namedCurve: "P-256"}, true, ["deriveBits"]);
    const keys = {p256dh: b64(await crypto.subtle.exportKey("raw", pair.publicKey)),
                  auth: b64(crypto.getRandomValues(new Uint8Array(16)))};
    const endpoint = ENDPOINT;
    // What a browser keeps to itself (the private key), handed to the test's receiver, which decrypts as
    // the browser would; and the applicationServerKey the page subscribed with.
    window.subscribedWith = {privateKey: await crypto.subtle.exportKey("jwk", pair.privateKey), auth: keys.auth,
                             applicationServerKey: b64(options.applicationServerKey),
                             userVisibleOnly: options.userVisibleOnly};
    return {endpoint, expirationTime: null, options,
            getKey: (name) => Uint8Array.from(atob(keys[name].replace(/-/g, "+").replace(/_/g, "/")),
                                              (c) => c.charCodeAt(0)).buffer,
            toJSON: () => ({endpoint, expirationTime: null, keys}), unsubscribe: async () => true};
  };
})();
"""


def test_remind_me_on_this_device(app, anonymous, client, live_server, page, receiver):
    page.context.grant_permissions(["notifications"], origin=live_server)
    page.add_init_script(SUBSCRIBE.replace("ENDPOINT", repr(f"{receiver.origin}/device")))
    sign_in_page(page, live_server, "carol")
    button = page.get_by_role("button", name="Remind me on this device")
    button.click()
    page.get_by_role("status").filter(has_text="Reminders are on for this device.").wait_for()

    # The page subscribed with the server's push.key, and the server keeps the subscription it was sent.
    subscribed = page.evaluate("window.subscribedWith")
    vapid_key = anonymous.get(anonymous.url("push.key")).json["vapid_public_key"]
    assert (subscribed["applicationServerKey"], subscribed["userVisibleOnly"]) == (vapid_key, True)
    settings = client.get(link(client.client(), "notifications")).json
    assert [s["endpoint"] for s in client.get(link(settings, "subscriptions")).json["@items"]] == \
        [f"{receiver.origin}/device"]

    # A reminder due, and `deliver`'s pass (what `hyperdiary deliver --once` runs): the device's receiver
    # decrypts it with the keys the page made.
    receiver.browsers["device"] = types.SimpleNamespace(
        key=ec.derive_private_key(int.from_bytes(unb64(subscribed["privateKey"]["d"]), "big"), ec.SECP256R1()),
        auth=unb64(subscribed["auth"]))
    goal = daily_goal(client)
    items = client.get(link(goal, "tracking")).json["@items"]
    assert worker(app).run_pass(at("2026-03-02T09:10:00")).sent == 1
    assert receiver.received == [("device", {"title": "Your diary", "body": "Something is waiting for you.",
                                             "url": items[1]["@url"]}, vapid_key)]
