/**
 * Chat (CHAT, SUPPORT): `ChatMessage` and its variants `ChatMessageAnnouncement`, `ChatMessageStatus`,
 * `ChatMessageUser`. Neither OpenAPI spec describes them; the fields come from bunq's SDKs (sdk_python,
 * sdk_java `ChatMessageAnnouncement`: id, created, updated, conversation_id, creator, content). The SDKs
 * model `ChatMessage` as a wrapper around one variant; whether a callback sends the wrapper or the flat
 * message is UNVERIFIED, so the schema accepts both and normalization reads the variant when wrapped.
 */
import * as z from 'zod';
import { anyObject, bunqId, identity, labelUser, maybe, maybeString } from './common';

/** `ChatMessageContent`: one of its variant keys holds the content. */
const chatMessageContent = z
  .looseObject({
    ChatMessageContentText: maybe(z.looseObject({ text: maybeString() })),
    ChatMessageContentAttachment: maybe(anyObject),
    ChatMessageContentGeolocation: maybe(anyObject),
    ChatMessageContentStatusConversation: maybe(z.looseObject({ action: maybeString() })),
    ChatMessageContentStatusConversationTitle: maybe(z.looseObject({ title: maybeString() })),
    ChatMessageContentStatusMembership: maybe(anyObject),
    ChatMessageContentAnchorEvent: maybe(anyObject),
  })
  .meta({ id: 'ChatMessageContent' });

const chatMessageFields = {
  ...identity,
  conversation_id: maybe(bunqId),
  ticket_id: maybe(bunqId),
  creator: maybe(labelUser),
  displayed_sender: maybe(labelUser),
  content: maybe(chatMessageContent),
};

/** One chat message variant (`ChatMessageAnnouncement`, `ChatMessageStatus`, `ChatMessageUser`). */
export const chatMessageVariantSchema = z.looseObject(chatMessageFields).meta({
  id: 'ChatMessageVariant',
  description: 'A bunq chat message (SDK: ChatMessageAnnouncement, ChatMessageStatus, ChatMessageUser).',
});

/** The variant keys a `ChatMessage` wrapper may hold. */
export const CHAT_MESSAGE_VARIANTS = [
  'ChatMessageAnnouncement',
  'ChatMessageStatus',
  'ChatMessageUser',
] as const;

/** `ChatMessage`: a flat message, or a wrapper holding one variant. */
export const chatMessageSchema = z
  .looseObject({
    ...chatMessageFields,
    ChatMessageAnnouncement: maybe(chatMessageVariantSchema),
    ChatMessageStatus: maybe(chatMessageVariantSchema),
    ChatMessageUser: maybe(chatMessageVariantSchema),
  })
  .meta({ id: 'ChatMessage', description: 'A bunq chat message, flat or wrapping one variant.' });
